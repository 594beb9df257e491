// call_notes.h: how a handler adds what only it knows to its call's log
// line: the user behind the token and a Tweet's request_id.
//
// Why this shape: the call log interceptor (call_log_interceptor.h) sees
// every call from arrival to status, including the ones no handler answers
// (undecodable requests, refusals by gRPC itself, health checks), so it
// writes the lines; but the user id is known only inside the handler, after
// the token was checked. gRPC 1.51 gives interceptors and handlers no
// shared per-call slot, so the interceptor attaches its record to the
// handler's thread for the handler's duration, the way MDC-style logging
// contexts do. That is exact for the sync API, whose handlers run on the
// thread that ran the receive hooks, right after them, and whose status
// hooks run on that thread once the handler returns. Each note checks that
// it is for the attached call (the same ServerContext), so a note is
// dropped, never put on another call's line, should a handler ever run
// elsewhere (e.g. on the callback API, which the interceptor does not
// attach for).
#ifndef MINITER_SERVER_API_CALL_NOTES_H_
#define MINITER_SERVER_API_CALL_NOTES_H_

#include <cstdint>

#include "absl/strings/string_view.h"
#include "grpcpp/server_context.h"
#include "server/api/call_record.h"

namespace miniter::api {

class CallNotes {
 public:
  // For the interceptor: the handler of the call of `context` is about to
  // run on this thread; its notes go into `record` until Detach. Replaces
  // whatever was attached on this thread before.
  static void Attach(const grpc::ServerContextBase* context,
                     CallRecord* record);
  // Ends Attach(…, record) on this thread; nothing when another record (or
  // none) is attached here.
  static void Detach(const CallRecord* record);

  // For handlers. No-ops when the call log is off, did not select this
  // call's API, or `context` is not the call attached on this thread.
  static void NoteUser(const grpc::ServerContextBase& context,
                       std::uint64_t user_id);
  // `request_id` must already be valid (rules::ValidateRequestId).
  static void NoteRequestId(const grpc::ServerContextBase& context,
                            absl::string_view request_id);
};

}  // namespace miniter::api

#endif  // MINITER_SERVER_API_CALL_NOTES_H_
