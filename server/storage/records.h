// records.h: the plain data that crosses the storage interfaces.
//
// These types know nothing of protobuf or SQL; the rules layer fills and
// reads them, storage implementations persist them.
#ifndef MINITER_SERVER_STORAGE_RECORDS_H_
#define MINITER_SERVER_STORAGE_RECORDS_H_

#include <cstdint>
#include <functional>
#include <string>

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
