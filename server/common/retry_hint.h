// retry_hint.h: carries "try again after this long" on an absl::Status, from
// the layer that detects overload or a rate limit to the gRPC adapter, which
// sends it to the client as the `retry-after-ms` trailer and in the message.
#ifndef MINITER_SERVER_COMMON_RETRY_HINT_H_
#define MINITER_SERVER_COMMON_RETRY_HINT_H_

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/cord.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"

namespace miniter::common {

// A status payload (absl::Status::SetPayload) rather than a message suffix,
// so that no layer has to parse text to find the delay.
inline constexpr char kRetryAfterPayloadUrl[] =
    "type.miniter.dev/retry-after-ms";

// Returns `status` with a retry delay attached (rounded up to whole ms, at
// least 1 ms). An OK status is returned unchanged: there is nothing to retry.
inline absl::Status WithRetryAfter(absl::Status status, absl::Duration delay) {
  if (status.ok()) return status;
  const int64_t ms = std::max<int64_t>(
      1, absl::ToInt64Milliseconds(absl::Ceil(delay, absl::Milliseconds(1))));
  status.SetPayload(kRetryAfterPayloadUrl, absl::Cord(absl::StrCat(ms)));
  return status;
}

// The delay attached by WithRetryAfter, if any.
inline std::optional<absl::Duration> RetryAfter(const absl::Status& status) {
  // absl::optional: Debian's Abseil does not alias it to std::optional.
  const auto payload = status.GetPayload(kRetryAfterPayloadUrl);
  if (!payload.has_value()) return std::nullopt;
  int64_t ms = 0;
  if (!absl::SimpleAtoi(std::string(*payload), &ms) || ms <= 0) {
    return std::nullopt;
  }
  return absl::Milliseconds(ms);
}

}  // namespace miniter::common

#endif  // MINITER_SERVER_COMMON_RETRY_HINT_H_
