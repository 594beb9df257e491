// page_token.cc: "v1:<user id>:<tweet id>" in URL-safe base64.
#include "server/rules/page_token.h"

#include <vector>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace miniter::rules {

std::string EncodePageToken(const TimelineCursor& cursor) {
  return absl::WebSafeBase64Escape(absl::StrCat(
      "v1:", cursor.timeline_user_id, ":", cursor.before_tweet_id));
}

absl::StatusOr<TimelineCursor> DecodePageToken(absl::string_view token) {
  const absl::Status invalid = absl::InvalidArgumentError(
      "page_token is not a next_page_token returned by Timeline");
  if (token.size() > 128) return invalid;
  std::string plain;
  if (!absl::WebSafeBase64Unescape(token, &plain)) return invalid;
  std::vector<absl::string_view> parts = absl::StrSplit(plain, ':');
  TimelineCursor cursor;
  if (parts.size() != 3 || parts[0] != "v1" ||
      !absl::SimpleAtoi(parts[1], &cursor.timeline_user_id) ||
      !absl::SimpleAtoi(parts[2], &cursor.before_tweet_id) ||
      cursor.timeline_user_id == 0 || cursor.before_tweet_id == 0) {
    return invalid;
  }
  return cursor;
}

}  // namespace miniter::rules
