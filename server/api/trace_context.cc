// trace_context.cc: traceparent parsing (see the header).
#include "server/api/trace_context.h"

namespace miniter::api {
namespace {

// Field positions of version 00, which later versions keep.
constexpr std::size_t kTraceIdAt = 3;
constexpr std::size_t kTraceIdSize = 32;
constexpr std::size_t kParentIdAt = 36;
constexpr std::size_t kParentIdSize = 16;
constexpr std::size_t kFlagsAt = 53;
constexpr std::size_t kVersion00Size = 55;

int LowerHexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

bool IsLowerHex(absl::string_view digits) {
  for (char c : digits) {
    if (LowerHexValue(c) < 0) return false;
  }
  return true;
}

bool AllZero(absl::string_view digits) {
  return digits.find_first_not_of('0') == absl::string_view::npos;
}

}  // namespace

std::optional<TraceContext> ParseTraceparent(absl::string_view value) {
  if (value.size() < kVersion00Size) return std::nullopt;
  const absl::string_view version = value.substr(0, 2);
  const absl::string_view trace_id = value.substr(kTraceIdAt, kTraceIdSize);
  const absl::string_view parent_id = value.substr(kParentIdAt, kParentIdSize);
  const absl::string_view flags = value.substr(kFlagsAt, 2);
  if (value[2] != '-' || value[kParentIdAt - 1] != '-' ||
      value[kFlagsAt - 1] != '-') {
    return std::nullopt;
  }
  if (!IsLowerHex(version) || version == "ff" || !IsLowerHex(trace_id) ||
      !IsLowerHex(parent_id) || !IsLowerHex(flags) || AllZero(trace_id) ||
      AllZero(parent_id)) {
    return std::nullopt;
  }
  if (value.size() > kVersion00Size &&
      (version == "00" || value[kVersion00Size] != '-')) {
    return std::nullopt;
  }
  TraceContext context;
  context.trace_id = std::string(trace_id);
  context.parent_id = std::string(parent_id);
  context.sampled = (LowerHexValue(flags[1]) & 1) != 0;
  return context;
}

}  // namespace miniter::api
