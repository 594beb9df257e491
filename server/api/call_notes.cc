// call_notes.cc: the per-thread attachment behind CallNotes (see the
// header for why a thread, and why that is safe).
#include "server/api/call_notes.h"

#include <string>

namespace miniter::api {
namespace {

struct Attached {
  // Compared, never dereferenced: the record is reached only through a
  // context that matches, i.e. while its call's handler runs.
  const grpc::ServerContextBase* context = nullptr;
  CallRecord* record = nullptr;
};

thread_local Attached attached;

CallRecord* RecordFor(const grpc::ServerContextBase& context) {
  return attached.context == &context ? attached.record : nullptr;
}

}  // namespace

void CallNotes::Attach(const grpc::ServerContextBase* context,
                       CallRecord* record) {
  attached = {context, record};
}

void CallNotes::Detach(const CallRecord* record) {
  if (attached.record == record) attached = {};
}

void CallNotes::NoteUser(const grpc::ServerContextBase& context,
                         std::uint64_t user_id) {
  if (CallRecord* record = RecordFor(context)) record->user_id = user_id;
}

void CallNotes::NoteRequestId(const grpc::ServerContextBase& context,
                              absl::string_view request_id) {
  if (CallRecord* record = RecordFor(context)) {
    record->request_id = std::string(request_id);
  }
}

}  // namespace miniter::api
