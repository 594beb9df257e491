// page_token.h: the opaque, signed keyset cursor handed out as
// next_page_token.
//
// A cursor names the last tweet id of a page and the timeline it belongs
// to; the next page is "tweets with a smaller id". Keyset paging, unlike an
// offset, never skips or repeats a tweet while new tweets arrive.
//
// The cursor is signed (HMAC-SHA256) because the server trusts it: a cursor
// a client invents could point anywhere in history, and reads far from the
// newest tweets take a slower path; only cursors this deployment handed out
// are accepted. The keys come from the token secrets
// (TokenService::DeriveKeys(kPageTokenKeyLabel)), so every server of a
// deployment accepts the others' cursors, nothing new is configured, and
// they rotate with the token secret: the newest key signs, a cursor names
// its key by id, and a cursor signed with any listed key is accepted.
#ifndef MINITER_SERVER_RULES_PAGE_TOKEN_H_
#define MINITER_SERVER_RULES_PAGE_TOKEN_H_

#include <cstddef>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "server/rules/key_ring.h"
#include "server/storage/records.h"

namespace miniter::rules {

struct TimelineCursor {
  storage::UserId timeline_user_id = 0;
  storage::TweetId before_tweet_id = 0;
};

// The cursors of ListFollowing and ListFollowers: whose list, and the
// keyset of the last account shown (when that edge was made, and the
// account's id); the next page starts after it.
struct FollowListCursor {
  storage::UserId list_user_id = 0;
  absl::Time after_followed_at;
  storage::UserId after_user_id = 0;
};

// Which follow list a FollowListCursor belongs to: a token of one is
// refused by the other.
enum class FollowListKind { kFollowing, kFollowers };

// The cursor of UserTweets: whose tweets, and the last id shown.
struct UserTweetsCursor {
  storage::UserId user_id = 0;
  storage::TweetId before_tweet_id = 0;
};

// SearchUsers' cursor: the last user of a page, by its place in the
// (name_key, id) order; the next page is the users after it.
struct SearchCursor {
  std::string name_key;
  storage::UserId user_id = 0;
};

// The purpose the page-token key is derived for; a new format gets a new
// label, so tokens of one format never verify as another.
inline constexpr char kPageTokenKeyLabel[] = "miniter page token v3";

// Encodes and checks signed cursors. Thread-safe (immutable).
class PageTokenCodec {
 public:
  static constexpr std::size_t kMinKeyBytes = 32;

  // `keys` newest (signing) first. INVALID_ARGUMENT when one is shorter
  // than kMinKeyBytes.
  static absl::StatusOr<PageTokenCodec> Create(KeyRing keys);
  // With one key (its id computed from the key itself).
  static absl::StatusOr<PageTokenCodec> Create(std::string key);

  // With a random key: its tokens are accepted by this codec only (for a
  // rules object built without a token service, as in some tests).
  static PageTokenCodec WithRandomKey();

  // URL-safe base64 (no padding) of the version, the newest key's id,
  // both ids and a MAC with that key.
  std::string Encode(const TimelineCursor& cursor) const;

  // The cursor in a token from Encode with any of the keys.
  // INVALID_ARGUMENT when the token was altered, truncated, signed with
  // another key or names a key id none of the keys has (its secret was
  // retired), and for the tokens of older servers ("v1" unsigned, "v2"
  // without a key id), with a message that says to start from the first
  // page.
  absl::StatusOr<TimelineCursor> Decode(absl::string_view token) const;

  // The same for the cursors of the other paged RPCs. Each RPC's tokens
  // carry a format byte of their own, covered by the MAC, so a token of
  // one RPC never decodes as another's (nor as a Timeline cursor);
  // INVALID_ARGUMENT, naming the RPC, for such a token and for everything
  // Decode refuses.
  std::string EncodeFollowList(FollowListKind kind,
                               const FollowListCursor& cursor) const;
  absl::StatusOr<FollowListCursor> DecodeFollowList(
      FollowListKind kind, absl::string_view token) const;
  std::string EncodeUserTweets(const UserTweetsCursor& cursor) const;
  absl::StatusOr<UserTweetsCursor> DecodeUserTweets(
      absl::string_view token) const;

  // SearchUsers cursors: a kind byte of their own (no Timeline token
  // decodes as one, nor the reverse), the newest key's id, the cursor, and
  // a MAC over all that and `query_key` (the folded query the page was
  // for), so a token is accepted only with the same query.
  std::string EncodeSearch(const SearchCursor& cursor,
                           absl::string_view query_key) const;

  // The cursor in a token from EncodeSearch for `query_key`.
  // INVALID_ARGUMENT when it was made for another query, altered,
  // truncated, signed with a key none of the keys is, or is not a
  // SearchUsers token.
  absl::StatusOr<SearchCursor> DecodeSearch(absl::string_view token,
                                            absl::string_view query_key) const;

 private:
  explicit PageTokenCodec(KeyRing keys) : keys_(std::move(keys)) {}

  KeyRing keys_;
};

}  // namespace miniter::rules

#endif  // MINITER_SERVER_RULES_PAGE_TOKEN_H_
