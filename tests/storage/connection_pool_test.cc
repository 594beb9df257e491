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

namespace miniter::storage::mysql {
namespace {

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
  EXPECT_THAT(c.status().message(),
              HasSubstr("server busy: no database connection free within 50ms"));
  EXPECT_EQ(opened, 2);
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
  absl::SleepFor(absl::Milliseconds(20));
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
