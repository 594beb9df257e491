// trace_context.h: the W3C Trace Context `traceparent` value a client may
// send as call metadata, read so that the call log can name the trace a
// call belongs to (https://www.w3.org/TR/trace-context/, section 3.2).
#ifndef MINITER_SERVER_API_TRACE_CONTEXT_H_
#define MINITER_SERVER_API_TRACE_CONTEXT_H_

#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace miniter::api {

struct TraceContext {
  // 32 lowercase hex digits, not all zero.
  std::string trace_id;
  // The caller's span: 16 lowercase hex digits, not all zero.
  std::string parent_id;
  // Bit 0 of trace-flags: the caller may record this trace.
  bool sampled = false;
};

// Parses "VERSION-TRACEID-PARENTID-FLAGS", e.g.
// "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01". nullopt for
// anything the specification calls invalid: upper-case or non-hex digits,
// wrong lengths, an all-zero trace or parent id, version ff, version 00
// with anything after the flags. A later version may carry more fields
// after a '-' behind the flags; its first four are read as version 00's.
std::optional<TraceContext> ParseTraceparent(absl::string_view value);

}  // namespace miniter::api

#endif  // MINITER_SERVER_API_TRACE_CONTEXT_H_
