// stop_signals.h: SIGINT and SIGTERM as a notification, so that main() can
// wait for them once serving and start-up can give up its waits (for the
// database) as soon as an operator or Kubernetes asks the process to stop.
#ifndef MINITER_SERVER_APP_STOP_SIGNALS_H_
#define MINITER_SERVER_APP_STOP_SIGNALS_H_

#include <signal.h>

#include <atomic>
#include <string>
#include <thread>

#include "absl/synchronization/notification.h"

namespace miniter::app {

// One per process. Thread-safe after construction.
class StopSignals {
 public:
  // Blocks SIGINT and SIGTERM in the calling thread, and so in every thread
  // started after it (gRPC's included, which inherit the mask), and starts
  // the one thread that waits for them. Construct it before any other
  // thread starts: a thread started earlier could still take the signal
  // and die of it.
  StopSignals();
  // Stops waiting if no signal came, and joins the waiting thread.
  ~StopSignals();

  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

  // Notified once, when the first SIGINT or SIGTERM arrives.
  const absl::Notification& received() const { return received_; }
  // "SIGINT" or "SIGTERM" once received() is notified; empty before.
  std::string name() const;

 private:
  sigset_t signals_;
  absl::Notification received_;
  std::atomic<int> number_{0};
  // Set by the destructor before it wakes the waiting thread with a signal
  // of its own, which must not count as an operator's.
  std::atomic<bool> closing_{false};
  std::thread waiter_;
};

}  // namespace miniter::app

#endif  // MINITER_SERVER_APP_STOP_SIGNALS_H_
