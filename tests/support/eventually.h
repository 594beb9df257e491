// eventually.h: waits in tests for a condition that code under test exposes
// only as a value to read (a count, a flag), not as an event to wait on.
//
// Use it to wait for the state a test needs before acting or asserting
// (e.g. "the waiter is blocked in Acquire"), never for a fixed time: a
// sleep followed by a check passes when the other thread never started.
#ifndef MINITER_TESTS_SUPPORT_EVENTUALLY_H_
#define MINITER_TESTS_SUPPORT_EVENTUALLY_H_

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace miniter::testing {

// Polls `predicate` every millisecond until it returns true (then true) or
// `within` has passed (then false).
template <typename Predicate>
bool Eventually(Predicate predicate,
                absl::Duration within = absl::Seconds(10)) {
  const absl::Time give_up = absl::Now() + within;
  while (!predicate()) {
    if (absl::Now() > give_up) return false;
    absl::SleepFor(absl::Milliseconds(1));
  }
  return true;
}

}  // namespace miniter::testing

#endif  // MINITER_TESTS_SUPPORT_EVENTUALLY_H_
