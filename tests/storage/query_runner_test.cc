// query_runner_test.cc: RunWithRetry's limits in time, with a fake pool (no
// database): the call's deadline bounds the wait for a connection and stops
// further attempts; without a deadline the pool's own timeout applies.
#include "server/storage/mysql/query_runner.h"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>

#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "server/common/call_deadline.h"

namespace miniter::storage::mysql {
namespace {

ConnectionPool::Opener FakeOpener() {
  return []() -> absl::StatusOr<std::unique_ptr<PooledConnection>> {
    return std::make_unique<PooledConnection>();
  };
}

TEST(RunWithRetryTest, CallPastItsDeadlineDoesNoDatabaseWork) {
  ConnectionPool pool(FakeOpener(), 1);
  common::CallDeadlineScope deadline(absl::Now() - absl::Milliseconds(1));
  int bodies = 0;
  absl::Status status =
      RunWithRetry(pool, absl::Seconds(2), "Test", [&](PooledConnection&) {
        ++bodies;
        return absl::OkStatus();
      });
  EXPECT_EQ(status.code(), absl::StatusCode::kDeadlineExceeded) << status;
  EXPECT_EQ(bodies, 0);
  EXPECT_EQ(pool.open_count(), 0);  // not even a connection was opened
}

TEST(RunWithRetryTest, WaitForABusyPoolEndsAtTheCallsDeadline) {
  ConnectionPool pool(FakeOpener(), 1);
  absl::StatusOr<ConnectionLease> held = pool.Acquire(absl::Seconds(1));
  ASSERT_TRUE(held.ok());
  common::CallDeadlineScope deadline(absl::Now() + absl::Milliseconds(100));
  const absl::Time start = absl::Now();
  absl::Status status =
      RunWithRetry(pool, absl::Seconds(5), "Test",
                   [](PooledConnection&) { return absl::OkStatus(); });
  const absl::Duration waited = absl::Now() - start;
  EXPECT_EQ(status.code(), absl::StatusCode::kDeadlineExceeded) << status;
  EXPECT_GE(waited, absl::Milliseconds(90));
  EXPECT_LT(waited, absl::Seconds(2));  // not the pool's 5 s
  EXPECT_EQ(pool.waiting_count(), 0);
}

TEST(RunWithRetryTest, WithoutADeadlineThePoolTimeoutStillSaysBusy) {
  ConnectionPool pool(FakeOpener(), 1);
  absl::StatusOr<ConnectionLease> held = pool.Acquire(absl::Seconds(1));
  ASSERT_TRUE(held.ok());
  absl::Status status =
      RunWithRetry(pool, absl::Milliseconds(50), "Test",
                   [](PooledConnection&) { return absl::OkStatus(); });
  EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted) << status;
}

TEST(RunWithRetryTest, NoRetryOfAConflictStartsAfterTheDeadline) {
  ConnectionPool pool(FakeOpener(), 1);
  common::CallDeadlineScope deadline(absl::Now() + absl::Milliseconds(30));
  int bodies = 0;
  absl::Status status =
      RunWithRetry(pool, absl::Seconds(2), "Test", [&](PooledConnection&) {
        ++bodies;
        // The scenario: a body that outlives the 30 ms deadline.
        absl::SleepFor(absl::Milliseconds(40));
        return absl::AbortedError("deadlock");
      });
  EXPECT_EQ(status.code(), absl::StatusCode::kDeadlineExceeded) << status;
  EXPECT_EQ(bodies, 1);
}

TEST(RunWithRetryTest, ConflictsAreRetriedWhileTimeIsLeft) {
  ConnectionPool pool(FakeOpener(), 1);
  int bodies = 0;
  absl::Status status =
      RunWithRetry(pool, absl::Seconds(2), "Test", [&](PooledConnection&) {
        return ++bodies < 3 ? absl::AbortedError("deadlock") : absl::OkStatus();
      });
  EXPECT_TRUE(status.ok()) << status;
  EXPECT_EQ(bodies, 3);
}

}  // namespace
}  // namespace miniter::storage::mysql
