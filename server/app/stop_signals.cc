// stop_signals.cc: the thread that waits for SIGINT and SIGTERM (see
// stop_signals.h).
#include "server/app/stop_signals.h"

#include <pthread.h>

namespace miniter::app {

StopSignals::StopSignals() {
  sigemptyset(&signals_);
  sigaddset(&signals_, SIGINT);
  sigaddset(&signals_, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals_, nullptr);
  waiter_ = std::thread([this] {
    int number = 0;
    sigwait(&signals_, &number);
    if (closing_.load()) return;
    number_.store(number);
    received_.Notify();
  });
}

StopSignals::~StopSignals() {
  if (!received_.HasBeenNotified()) {
    closing_.store(true);
    // SIGTERM is blocked in the waiter, so this one is left pending for
    // it and ends its sigwait; if a real signal got there first, the
    // thread has ended and this one is dropped with it. (So it ends no
    // thread and no process, which is what clang-tidy's check guards.)
    // NOLINTNEXTLINE(bugprone-bad-signal-to-kill-thread)
    pthread_kill(waiter_.native_handle(), SIGTERM);
  }
  waiter_.join();
}

std::string StopSignals::name() const {
  switch (number_.load()) {
    case SIGINT: return "SIGINT";
    case SIGTERM: return "SIGTERM";
    default: return "";
  }
}

}  // namespace miniter::app
