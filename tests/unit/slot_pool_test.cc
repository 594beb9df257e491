// slot_pool_test.cc: SlotPool holds at most N slots and M waiters, refuses
// the next caller at once, hands freed slots to waiters, and bounds waits.
#include "server/common/slot_pool.h"

#include <atomic>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "tests/support/eventually.h"

namespace miniter::common {
namespace {

using ::miniter::testing::Eventually;

TEST(SlotPoolTest, FreeSlotsAreGrantedAtOnceAndReturnedOnDestruction) {
  SlotPool pool(2, 0, "hashes");
  {
    absl::StatusOr<SlotPool::Slot> a = pool.Acquire(absl::ZeroDuration());
    absl::StatusOr<SlotPool::Slot> b = pool.Acquire(absl::ZeroDuration());
    ASSERT_TRUE(a.ok()) << a.status();
    ASSERT_TRUE(b.ok()) << b.status();
    EXPECT_EQ(pool.running(), 2);
    SlotPool::Slot moved = *std::move(a);  // moving does not free it
    EXPECT_EQ(pool.running(), 2);
  }
  EXPECT_EQ(pool.running(), 0);
}

TEST(SlotPoolTest, BeyondTheWaitingBoundCallersAreRefusedAtOnce) {
  SlotPool pool(1, 2, "hashes");
  std::optional<absl::StatusOr<SlotPool::Slot>> held =
      pool.Acquire(absl::ZeroDuration());
  ASSERT_TRUE(held->ok());

  // Two callers wait (as long as it takes: the test frees their slots).
  absl::Notification release_waiters;
  std::atomic<int> waiters_served{0};
  std::vector<std::thread> waiters;
  for (int i = 0; i < 2; ++i) {
    waiters.emplace_back([&] {
      absl::StatusOr<SlotPool::Slot> slot = pool.Acquire(absl::Hours(1));
      EXPECT_TRUE(slot.ok()) << slot.status();
      ++waiters_served;
      release_waiters.WaitForNotification();
    });
  }
  ASSERT_TRUE(Eventually([&] { return pool.waiting() == 2; }));

  // The third would wait 10 s if it were allowed to wait at all.
  const absl::Time start = absl::Now();
  absl::StatusOr<SlotPool::Slot> refused = pool.Acquire(absl::Seconds(10));
  EXPECT_TRUE(absl::IsResourceExhausted(refused.status())) << refused.status();
  EXPECT_TRUE(absl::StrContains(refused.status().message(),
                                "1 hashes running and 2 more waiting"))
      << refused.status();
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  EXPECT_EQ(pool.waiting(), 2);

  // Freeing the slot serves exactly one waiter; it keeps the slot, so the
  // other still waits.
  held.reset();
  ASSERT_TRUE(Eventually([&] { return waiters_served.load() == 1; }));
  EXPECT_EQ(pool.running(), 1);
  EXPECT_EQ(pool.waiting(), 1);
  // A place in the line is free again: a new caller may wait (and time out).
  absl::StatusOr<SlotPool::Slot> timed_out =
      pool.Acquire(absl::Milliseconds(20));
  EXPECT_TRUE(absl::IsResourceExhausted(timed_out.status()));
  EXPECT_TRUE(absl::StrContains(timed_out.status().message(),
                                "no room for more hashes within 20ms"))
      << timed_out.status();

  release_waiters.Notify();
  for (std::thread& waiter : waiters) waiter.join();
  EXPECT_EQ(waiters_served.load(), 2);
  EXPECT_EQ(pool.running(), 0);
  EXPECT_EQ(pool.waiting(), 0);
}

TEST(SlotPoolTest, WithNoWaitingAllowedABusyPoolRefusesAtOnce) {
  SlotPool pool(1, 0, "hashes");
  absl::StatusOr<SlotPool::Slot> held = pool.Acquire(absl::ZeroDuration());
  ASSERT_TRUE(held.ok());
  const absl::Time start = absl::Now();
  EXPECT_TRUE(
      absl::IsResourceExhausted(pool.Acquire(absl::Seconds(10)).status()));
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
}

TEST(SlotPoolTest, AWaitEndsAfterItsTimeout) {
  SlotPool pool(1, 1, "hashes");
  absl::StatusOr<SlotPool::Slot> held = pool.Acquire(absl::ZeroDuration());
  ASSERT_TRUE(held.ok());
  const absl::Time start = absl::Now();
  EXPECT_TRUE(
      absl::IsResourceExhausted(pool.Acquire(absl::Milliseconds(50)).status()));
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(50));
  EXPECT_EQ(pool.waiting(), 0);
}

TEST(SlotPoolTest, NonsenseBoundsAreClamped) {
  SlotPool pool(0, -3, "hashes");
  EXPECT_EQ(pool.max_running(), 1);
  EXPECT_EQ(pool.max_waiting(), 0);
}

}  // namespace
}  // namespace miniter::common
