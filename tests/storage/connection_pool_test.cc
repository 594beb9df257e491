// connection_pool_test.cc: the pool's limits, waiting and dropping, with a
// fake opener (no database).
#include "server/storage/mysql/connection_pool.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <thread>
#include <utility>

#include "absl/status/status.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "server/common/retry_hint.h"
#include "tests/support/eventually.h"

namespace miniter::storage::mysql {
namespace {

using ::miniter::testing::Eventually;
using ::testing::HasSubstr;

// Connections with no driver session behind them: enough for the pool,
// which never queries them (they are never idle long enough to be pinged).
ConnectionPool::Opener FakeOpener(std::atomic<int>* opened) {
  return [opened]() -> absl::StatusOr<std::unique_ptr<PooledConnection>> {
    ++*opened;
    return std::make_unique<PooledConnection>();
  };
}

TEST(ConnectionPoolTest, OpensLazilyAndReusesReturnedConnections) {
  std::atomic<int> opened{0};
  ConnectionPool pool(FakeOpener(&opened), 2);
  EXPECT_EQ(opened, 0);
  PooledConnection* first = nullptr;
  {
    absl::StatusOr<ConnectionLease> lease = pool.Acquire(absl::Seconds(1));
    ASSERT_TRUE(lease.ok()) << lease.status();
    first = &**lease;
    EXPECT_EQ(pool.open_count(), 1);
    EXPECT_EQ(pool.idle_count(), 0);
  }
  EXPECT_EQ(pool.idle_count(), 1);
  absl::StatusOr<ConnectionLease> again = pool.Acquire(absl::Seconds(1));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(&**again, first);
  EXPECT_EQ(opened, 1);
}

TEST(ConnectionPoolTest, FullPoolTimesOutWithResourceExhausted) {
  std::atomic<int> opened{0};
  ConnectionPool pool(FakeOpener(&opened), 2);
  absl::StatusOr<ConnectionLease> a = pool.Acquire(absl::Seconds(1));
  absl::StatusOr<ConnectionLease> b = pool.Acquire(absl::Seconds(1));
  ASSERT_TRUE(a.ok() && b.ok());
  const absl::Time start = absl::Now();
  absl::StatusOr<ConnectionLease> c = pool.Acquire(absl::Milliseconds(50));
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(45));
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(
      c.status().message(),
      HasSubstr("server busy: no database connection free within 50ms"));
  EXPECT_EQ(common::RetryAfter(c.status()), ConnectionPool::kRetryAfter);
  EXPECT_EQ(opened, 2);
}

TEST(ConnectionPoolTest, FullQueueRefusesAtOnceWithARetryHint) {
  std::atomic<int> opened{0};
  ConnectionPool pool(FakeOpener(&opened), 1, /*max_waiting=*/1);
  absl::StatusOr<ConnectionLease> held = pool.Acquire(absl::Seconds(1));
  ASSERT_TRUE(held.ok());
  absl::Notification waiter_done;
  std::thread waiter([&] {
    // Queued behind `held`; times out because nobody returns it in time.
    absl::StatusOr<ConnectionLease> lease = pool.Acquire(absl::Seconds(2));
    EXPECT_EQ(lease.status().code(), absl::StatusCode::kResourceExhausted);
    waiter_done.Notify();
  });
  ASSERT_TRUE(Eventually([&] { return pool.waiting_count() == 1; }));
  // The queue is full: the next caller is refused without waiting its 10 s.
  const absl::Time start = absl::Now();
  absl::StatusOr<ConnectionLease> refused = pool.Acquire(absl::Seconds(10));
  EXPECT_LT(absl::Now() - start, absl::Milliseconds(100));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(refused.status().message(), HasSubstr("1 calls already waiting"));
  EXPECT_EQ(common::RetryAfter(refused.status()), ConnectionPool::kRetryAfter);
  EXPECT_TRUE(waiter_done.WaitForNotificationWithTimeout(absl::Seconds(5)));
  waiter.join();
  // Once the queue has drained, waiting is allowed again.
  EXPECT_EQ(pool.waiting_count(), 0);
  held = absl::UnavailableError("returned");  // gives the connection back
  EXPECT_TRUE(pool.Acquire(absl::Milliseconds(10)).ok());
}

TEST(ConnectionPoolTest, WaiterGetsTheConnectionWhenOneIsReturned) {
  std::atomic<int> opened{0};
  ConnectionPool pool(FakeOpener(&opened), 1);
  auto held = std::make_unique<absl::StatusOr<ConnectionLease>>(
      pool.Acquire(absl::Seconds(1)));
  ASSERT_TRUE(held->ok());
  absl::Notification got;
  std::thread waiter([&] {
    absl::StatusOr<ConnectionLease> lease = pool.Acquire(absl::Seconds(10));
    EXPECT_TRUE(lease.ok()) << lease.status();
    got.Notify();
  });
  // Once the waiter is queued in Acquire (not merely before it started),
  // it must still be waiting: the pool's only connection is held.
  // EXPECT, not ASSERT: the test goes on to release and join the waiter.
  EXPECT_TRUE(Eventually([&] { return pool.waiting_count() == 1; }))
      << "the waiter never blocked in Acquire";
  EXPECT_FALSE(got.HasBeenNotified());
  held.reset();  // returns the connection
  EXPECT_TRUE(got.WaitForNotificationWithTimeout(absl::Seconds(5)));
  waiter.join();
  EXPECT_EQ(opened, 1);
}

TEST(ConnectionPoolTest, BrokenLeaseIsDroppedWithTheIdleOnes) {
  std::atomic<int> opened{0};
  ConnectionPool pool(FakeOpener(&opened), 3);
  {
    absl::StatusOr<ConnectionLease> a = pool.Acquire(absl::Seconds(1));
    absl::StatusOr<ConnectionLease> b = pool.Acquire(absl::Seconds(1));
    ASSERT_TRUE(a.ok() && b.ok());
  }
  EXPECT_EQ(pool.idle_count(), 2);
  {
    absl::StatusOr<ConnectionLease> lease = pool.Acquire(absl::Seconds(1));
    ASSERT_TRUE(lease.ok());
    lease->MarkBroken();
  }
  EXPECT_EQ(pool.open_count(), 0);
  EXPECT_EQ(pool.idle_count(), 0);
  absl::StatusOr<ConnectionLease> fresh = pool.Acquire(absl::Seconds(1));
  ASSERT_TRUE(fresh.ok());
  EXPECT_EQ(opened, 3);
}

TEST(ConnectionPoolTest, FailedOpenFreesItsSlot) {
  int calls = 0;
  ConnectionPool pool(
      [&calls]() -> absl::StatusOr<std::unique_ptr<PooledConnection>> {
        if (++calls == 1) return absl::UnavailableError("database unavailable");
        return std::make_unique<PooledConnection>();
      },
      1);
  absl::StatusOr<ConnectionLease> failed = pool.Acquire(absl::Seconds(1));
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(pool.open_count(), 0);
  absl::StatusOr<ConnectionLease> ok = pool.Acquire(absl::Milliseconds(10));
  EXPECT_TRUE(ok.ok()) << ok.status();
}

TEST(ConnectionPoolTest, MovedLeaseReturnsOnce) {
  std::atomic<int> opened{0};
  ConnectionPool pool(FakeOpener(&opened), 1);
  {
    absl::StatusOr<ConnectionLease> lease = pool.Acquire(absl::Seconds(1));
    ASSERT_TRUE(lease.ok());
    ConnectionLease moved = *std::move(lease);
    ConnectionLease moved_again(std::move(moved));
    EXPECT_EQ(pool.idle_count(), 0);
  }
  EXPECT_EQ(pool.idle_count(), 1);
  EXPECT_EQ(pool.open_count(), 1);
}

}  // namespace
}  // namespace miniter::storage::mysql
