// call_record.h: what the call log says about one call, and its JSON line.
//
// What a line may hold is fixed here, by the fields of CallRecord: the
// method, the status code, timing, the peer's address and the ids that
// find the call again (user, Tweet request_id, W3C trace). No request or
// response field, metadata value or status message is copied into it, so
// passwords, tokens, e-mail addresses and tweet text cannot reach the log.
// Status messages stay out too: they are written for the caller and some
// describe the caller's input (the character a text rule refused, the id
// asked for). Server-side causes are logged on their own lines where they
// happen (e.g. "storage: ..." lines).
#ifndef MINITER_SERVER_API_CALL_RECORD_H_
#define MINITER_SERVER_API_CALL_RECORD_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "grpcpp/support/status.h"
#include "server/api/trace_context.h"
#include "server/common/log.h"

namespace miniter::api {

struct CallRecord {
  // When the server sent the call's status.
  absl::Time end;
  // The full method name, "/miniter.v1.Miniter/Timeline"; gRPC keeps the
  // characters alive as long as the server.
  absl::string_view method;
  grpc::StatusCode code = grpc::StatusCode::OK;
  // From the request's arrival to the status being sent.
  absl::Duration latency;
  // ServerContext::peer(): "ipv4:10.0.0.7:41234", "ipv6:[::1]:41234", ...
  std::string peer;
  // The signed-in caller, once its token was checked (or the account a
  // SignUp or Login is about).
  std::optional<std::uint64_t> user_id;
  // A Tweet's valid request_id; empty: none.
  std::string request_id;
  // From a well-formed `traceparent` metadata entry.
  std::optional<TraceContext> trace;
};

// "info" for OK; "error" for the codes that say the server failed
// (UNKNOWN, INTERNAL, DATA_LOSS, UNAVAILABLE, DEADLINE_EXCEEDED,
// UNIMPLEMENTED); "warn" for the rest, which a caller caused or was
// refused (INVALID_ARGUMENT, UNAUTHENTICATED, RESOURCE_EXHAUSTED, ...).
common::LogLevel CallLogLevel(grpc::StatusCode code);

// The gRPC name of `code` ("OK", "INVALID_ARGUMENT"); its number for a code
// gRPC does not define.
std::string StatusCodeName(grpc::StatusCode code);

// One JSON object, without a line break:
//   {"time":"2026-11-30T02:10:00.123Z","level":"info","msg":"call",
//    "method":"/miniter.v1.Miniter/Tweet","code":"OK","latency_ms":3.172,
//    "peer":"ipv4:127.0.0.1:50312","user_id":42,"request_id":"c0ffee",
//    "trace_id":"4bf9...4736","parent_id":"00f0...02b7"}
// latency_ms is rounded to the microsecond. user_id, request_id, trace_id
// and parent_id appear only when known. Odd bytes in the peer are escaped
// (invalid UTF-8 becomes U+FFFD), so a line never breaks or stops parsing.
std::string FormatCallRecord(const CallRecord& record);

}  // namespace miniter::api

#endif  // MINITER_SERVER_API_CALL_RECORD_H_
