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
// are accepted. The key comes from the token secret
// (TokenService::DeriveKey(kPageTokenKeyLabel)), so every server of a
// deployment accepts the others' cursors and nothing new is configured.
#ifndef MINITER_SERVER_RULES_PAGE_TOKEN_H_
#define MINITER_SERVER_RULES_PAGE_TOKEN_H_

#include <cstddef>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/storage/records.h"

namespace miniter::rules {

struct TimelineCursor {
  storage::UserId timeline_user_id = 0;
  storage::TweetId before_tweet_id = 0;
};

// The purpose the page-token key is derived for; a new format gets a new
// label, so tokens of one format never verify as another.
inline constexpr char kPageTokenKeyLabel[] = "miniter page token v2";

// Encodes and checks signed cursors. Thread-safe (immutable).
class PageTokenCodec {
 public:
  static constexpr std::size_t kMinKeyBytes = 32;

  // INVALID_ARGUMENT when `key` is shorter than kMinKeyBytes.
  static absl::StatusOr<PageTokenCodec> Create(std::string key);

  // With a random key: its tokens are accepted by this codec only (for a
  // rules object built without a token service, as in some tests).
  static PageTokenCodec WithRandomKey();

  // URL-safe base64 (no padding) of the version, both ids and a MAC.
  std::string Encode(const TimelineCursor& cursor) const;

  // The cursor in a token from Encode with the same key. INVALID_ARGUMENT
  // when the token was altered, truncated or signed with another key, and
  // for the unsigned tokens of older servers ("v1"), with a message that
  // says to start from the first page.
  absl::StatusOr<TimelineCursor> Decode(absl::string_view token) const;

 private:
  explicit PageTokenCodec(std::string key) : key_(std::move(key)) {}

  std::string key_;
};

}  // namespace miniter::rules

#endif  // MINITER_SERVER_RULES_PAGE_TOKEN_H_
