// statement_bound_integration_test.cc: a statement still running when its
// call's deadline comes is cut off by MariaDB (max_statement_time, set by
// RunWithRetry from common/call_deadline.h): the caller gets
// DEADLINE_EXCEEDED at about its deadline, a write transaction is rolled
// back, and the same connection serves the next call (ctest label
// "integration", fixture miniter_db).
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include "absl/random/random.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "server/common/call_deadline.h"
#include "server/storage/mysql/connection_pool.h"
#include "server/storage/mysql/database_url.h"
#include "server/storage/mysql/pooled_connection.h"
#include "server/storage/mysql/query_runner.h"
#include "server/storage/mysql/transaction_guard.h"
#include "tests/storage/migrated_database_test.h"

namespace miniter::storage {
namespace {

using mysql::PooledConnection;

class StatementBoundTest : public MigratedDatabaseTest {
 protected:
  void SetUp() override {
    MigratedDatabaseTest::SetUp();
    if (IsSkipped()) return;
    absl::StatusOr<mysql::DatabaseUrl> parsed = mysql::ParseDatabaseUrl(url());
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    mysql::ConnectionSettings settings;
    settings.url = *parsed;
    // One connection: "reused" then means the very same session.
    pool_ = std::make_unique<mysql::ConnectionPool>(
        [settings] { return mysql::OpenPooledConnection(settings); }, 1);
  }

  // Runs `sql` (one row, one integer column; `parameter` bound to its
  // placeholder if it has one) through RunWithRetry and returns its value;
  // records the connection it ran on.
  absl::StatusOr<int64_t> QueryInt(const std::string& sql,
                                   const std::string& parameter = "") {
    int64_t value = 0;
    absl::Status status = mysql::RunWithRetry(
        *pool_, absl::Seconds(5), "Test", [&](PooledConnection& connection) {
          last_connection_ = &connection;
          sql::PreparedStatement& select = connection.Prepare(sql);
          if (!parameter.empty()) select.setString(1, parameter);
          std::unique_ptr<sql::ResultSet> rows(select.executeQuery());
          rows->next();
          value = rows->getInt64(1);
          return absl::OkStatus();
        });
    if (!status.ok()) return status;
    return value;
  }

  std::unique_ptr<mysql::ConnectionPool> pool_;
  PooledConnection* last_connection_ = nullptr;
};

TEST_F(StatementBoundTest, SlowReadIsCutOffAtTheDeadlineAndTheSessionReused) {
  ASSERT_TRUE(QueryInt("SELECT 1").ok());
  PooledConnection* const session = last_connection_;
  {
    common::CallDeadlineScope deadline(absl::Now() + absl::Milliseconds(300));
    const absl::Time start = absl::Now();
    // A read that would take 10 s.
    absl::StatusOr<int64_t> slow = QueryInt("SELECT SLEEP(10)");
    const absl::Duration took = absl::Now() - start;
    EXPECT_EQ(slow.status().code(), absl::StatusCode::kDeadlineExceeded)
        << slow.status();
    EXPECT_GE(took, absl::Milliseconds(200));  // 15/16 of the 300 ms
    EXPECT_LT(took, absl::Seconds(2));
  }
  EXPECT_EQ(pool_->open_count(), 1);
  // The next call, without a deadline, gets the same session with the
  // bound lifted: a statement longer than the old bound completes.
  absl::StatusOr<int64_t> after = QueryInt("SELECT SLEEP(0.5)");
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_EQ(*after, 0);  // SLEEP returns 1 only when interrupted
  EXPECT_EQ(last_connection_, session);
  absl::StatusOr<int64_t> bound =
      QueryInt("SELECT @@SESSION.max_statement_time * 1000000");
  ASSERT_TRUE(bound.ok()) << bound.status();
  EXPECT_EQ(*bound, 0);
}

TEST_F(StatementBoundTest, HeavyScanIsCutOffToo) {
  // Not a sleep: a scan of ten billion generated rows (the Sequence
  // engine), what a deep read without an index bound looks like.
  common::CallDeadlineScope deadline(absl::Now() + absl::Milliseconds(300));
  const absl::Time start = absl::Now();
  absl::StatusOr<int64_t> scan =
      QueryInt("SELECT COUNT(*) FROM seq_1_to_10000000000 WHERE seq % 7 = 3");
  EXPECT_EQ(scan.status().code(), absl::StatusCode::kDeadlineExceeded)
      << scan.status();
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));
  EXPECT_EQ(pool_->open_count(), 1);
}

TEST_F(StatementBoundTest, WriteTransactionCutOffIsRolledBack) {
  absl::BitGen bitgen;
  const std::string key =
      absl::StrCat("bound-", absl::ToUnixMicros(absl::Now()), "-",
                   absl::Uniform<uint32_t>(bitgen), "@example.com");
  PooledConnection* session = nullptr;
  {
    common::CallDeadlineScope deadline(absl::Now() + absl::Milliseconds(300));
    absl::Status status = mysql::RunWithRetry(
        *pool_, absl::Seconds(5), "Test", [&](PooledConnection& connection) {
          session = &connection;
          mysql::TransactionGuard transaction(connection);
          sql::PreparedStatement& insert = connection.Prepare(
              "INSERT INTO users (name, email, email_key, password_hash,"
              " created_at) VALUES ('Bound', ?, ?, 'x', NOW(6))");
          insert.setString(1, key);
          insert.setString(2, key);
          insert.executeUpdate();
          // The rest of the transaction outlives the call.
          std::unique_ptr<sql::ResultSet> rows(
              connection.Prepare("SELECT SLEEP(10)").executeQuery());
          transaction.Commit();
          return absl::OkStatus();
        });
    EXPECT_EQ(status.code(), absl::StatusCode::kDeadlineExceeded) << status;
  }
  // Nothing half-written, no transaction left open, same session.
  absl::StatusOr<int64_t> rows =
      QueryInt("SELECT COUNT(*) FROM users WHERE email_key = ?", key);
  ASSERT_TRUE(rows.ok()) << rows.status();
  EXPECT_EQ(*rows, 0);
  absl::StatusOr<int64_t> open = QueryInt("SELECT @@in_transaction");
  ASSERT_TRUE(open.ok()) << open.status();
  EXPECT_EQ(*open, 0);
  EXPECT_EQ(last_connection_, session);
  EXPECT_EQ(pool_->open_count(), 1);
}

TEST_F(StatementBoundTest, CallsWithTheSameDeadlineShareOneBound) {
  // The bound is set once and kept while it fits the time left, so calls
  // with a client's usual deadline pay no extra round trip.
  absl::Duration first = absl::ZeroDuration();
  for (int i = 0; i < 5; ++i) {
    common::CallDeadlineScope deadline(absl::Now() + absl::Seconds(2));
    ASSERT_TRUE(QueryInt("SELECT 1").ok());
    const absl::Duration bound = last_connection_->statement_time_bound();
    EXPECT_LE(bound, absl::Seconds(2));
    EXPECT_GE(bound, absl::Milliseconds(1750));
    if (i == 0) first = bound;
    EXPECT_EQ(bound, first);
  }
  // A much shorter deadline tightens it.
  common::CallDeadlineScope deadline(absl::Now() + absl::Milliseconds(400));
  ASSERT_TRUE(QueryInt("SELECT 1").ok());
  EXPECT_LE(last_connection_->statement_time_bound(), absl::Milliseconds(400));
}

}  // namespace
}  // namespace miniter::storage
