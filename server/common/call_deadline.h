// call_deadline.h: the deadline of the RPC this thread is serving, so that the
// storage layer can stop waiting for a database connection once the caller
// has given up, without every store method taking a deadline argument.
//
// The gRPC adapter opens a CallDeadlineScope at the top of each handler (the
// synchronous server runs a handler on one thread from start to finish);
// RunWithRetry reads CurrentCallDeadline(). The same idea as
// google-cloud-cpp's OptionsSpan: request-scoped settings in a thread-local
// that a scope object sets and restores.
#ifndef MINITER_SERVER_COMMON_CALL_DEADLINE_H_
#define MINITER_SERVER_COMMON_CALL_DEADLINE_H_

#include "absl/time/time.h"

namespace miniter::common {

namespace internal {
inline thread_local absl::Time current_call_deadline = absl::InfiniteFuture();
}  // namespace internal

// The deadline of the call served by this thread; InfiniteFuture() outside
// a call (start-up, health checks, tests that use the stores directly) or
// when the client set none.
inline absl::Time CurrentCallDeadline() {
  return internal::current_call_deadline;
}

// Makes `deadline` the current call's deadline until the scope ends, then
// restores the previous one (scopes nest).
class CallDeadlineScope {
 public:
  explicit CallDeadlineScope(absl::Time deadline)
      : previous_(internal::current_call_deadline) {
    internal::current_call_deadline = deadline;
  }
  ~CallDeadlineScope() { internal::current_call_deadline = previous_; }

  CallDeadlineScope(const CallDeadlineScope&) = delete;
  CallDeadlineScope& operator=(const CallDeadlineScope&) = delete;

 private:
  absl::Time previous_;
};

}  // namespace miniter::common

#endif  // MINITER_SERVER_COMMON_CALL_DEADLINE_H_
