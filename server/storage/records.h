// records.h: the plain data that crosses the storage interfaces.
//
// These types know nothing of protobuf or SQL; the rules layer fills and
// reads them, storage implementations persist them.
#ifndef MINITER_SERVER_STORAGE_RECORDS_H_
#define MINITER_SERVER_STORAGE_RECORDS_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace miniter::storage {

using UserId = std::uint64_t;
using TweetId = std::uint64_t;

// A user as stored, without credentials.
struct UserRecord {
  UserId id = 0;
  std::string name;
  std::string email;
  std::string profile;
  absl::Time created_at;
};

// What SignUp hands to storage. Every field is already validated.
struct NewUser {
  std::string name;
  // The address as the user typed it (shown back to them).
  std::string email;
  // The case-folded address; storage keeps it unique.
  std::string email_key;
  // An Argon2id string from crypto_pwhash_str (never the password).
  std::string password_hash;
  std::string profile;
  // The case-folded name SearchUsers matches (rules::NameKey). Empty only
  // from callers that do not search (some tests): stored as NULL, and the
  // start-up fill computes it (UserStore::ListUsersWithoutNameKey). Last,
  // so that brace-initialized NewUsers written before it keep their meaning.
  std::string name_key;
};

// GetUser's answer: the account and its follow counts.
struct UserProfile {
  UserRecord user;
  std::uint64_t follower_count = 0;
  std::uint64_t following_count = 0;
};

// One page of users whose name_key starts with `name_key_prefix` (compared
// as bytes: the prefix is already folded), in (name_key, id) order, after
// the cursor (after_name_key, after_id) when `after_id` is not 0.
struct UserSearchQuery {
  std::string name_key_prefix;
  std::string after_name_key;
  UserId after_id = 0;
  int limit = 0;
};

// A user found by search, with the key that places it in the order (the
// next page's cursor).
struct FoundUser {
  UserRecord user;
  std::string name_key;
};

// A user whose name_key is still missing (rows from before migration 0006).
struct UnkeyedUser {
  UserId id = 0;
  std::string name;
};

// What Login needs to check a password.
struct UserCredentials {
  UserId user_id = 0;
  std::string password_hash;
};

// A tweet as stored, with its author's current display name.
struct TweetRecord {
  TweetId id = 0;
  UserId author_id = 0;
  std::string author_name;
  std::string text;
  absl::Time created_at;
};

// One page of a timeline: tweets by `user_id` and by the accounts it
// follows, with id < `before_tweet_id` (0 means no bound), newest first.
struct TimelinePageQuery {
  UserId user_id = 0;
  TweetId before_tweet_id = 0;
  int limit = 0;
  // Asked by the store right before it serves the page the expensive way
  // (the fallback query over the whole history of the owner's followees,
  // below the home rows); a non-OK answer ends the read with that status,
  // before the expensive part runs. May be asked more than once for one
  // read (a replica, then the primary); null: always allowed. This is how
  // the rules charge a deep page more than a cached one without knowing
  // how storage serves pages.
  std::function<absl::Status()> admit_expensive_read;
};

// One page of a follow list (the accounts `user_id` follows, or those
// that follow it), newest edge first. The page starts after the edge
// (after_followed_at, after_user_id) of the previous page, in the order
// (followed_at descending, other account's id descending); after_user_id 0
// means the first page.
struct FollowListQuery {
  UserId user_id = 0;
  absl::Time after_followed_at;
  UserId after_user_id = 0;
  int limit = 0;
};

// One account of a follow list and when that edge was made (its keyset).
struct FollowListEntry {
  UserRecord user;
  absl::Time followed_at;
};

// One page of the tweets `user_id` wrote, with id < `before_tweet_id` (0
// means no bound), newest first.
struct UserTweetsQuery {
  UserId user_id = 0;
  TweetId before_tweet_id = 0;
  int limit = 0;
};

}  // namespace miniter::storage

#endif  // MINITER_SERVER_STORAGE_RECORDS_H_
