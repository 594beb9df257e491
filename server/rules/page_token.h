// page_token.h: the opaque keyset cursor handed out as next_page_token.
//
// A cursor names the last tweet id of a page and the timeline it belongs
// to; the next page is "tweets with a smaller id". Keyset paging, unlike an
// offset, never skips or repeats a tweet while new tweets arrive.
#ifndef MINITER_SERVER_RULES_PAGE_TOKEN_H_
#define MINITER_SERVER_RULES_PAGE_TOKEN_H_

#include <string>
#include "absl/strings/string_view.h"

#include "absl/status/statusor.h"
#include "server/storage/records.h"

namespace miniter::rules {

struct TimelineCursor {
  storage::UserId timeline_user_id = 0;
  storage::TweetId before_tweet_id = 0;
};

// Encodes a cursor as URL-safe base64 text.
std::string EncodePageToken(const TimelineCursor& cursor);

// Decodes a token from EncodePageToken. INVALID_ARGUMENT when it is not
// one.
absl::StatusOr<TimelineCursor> DecodePageToken(absl::string_view token);

}  // namespace miniter::rules

#endif  // MINITER_SERVER_RULES_PAGE_TOKEN_H_
