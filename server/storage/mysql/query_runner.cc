// query_runner.cc: lease, run, map exceptions, retry conflicts.
#include "server/storage/mysql/query_runner.h"

#include <algorithm>
#include <exception>
#include <memory>

#include <cppconn/exception.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "server/common/call_deadline.h"
#include "server/storage/mysql/mysql_error.h"

namespace miniter::storage::mysql {
namespace {

constexpr int kMaxRetries = 3;

absl::Status CallDeadlinePassed() {
  return absl::DeadlineExceededError(
      "deadline exceeded before the database was reached; nothing was "
      "changed");
}

}  // namespace

absl::Status RunWithRetry(
    ConnectionPool& pool, absl::Duration acquire_timeout,
    absl::string_view operation,
    absl::FunctionRef<absl::Status(PooledConnection&)> body) {
  EnsureDriverThreadInit();
  absl::Status status;
  for (int attempt = 0; attempt <= kMaxRetries; ++attempt) {
    if (attempt > 0) {
      // Conflicting transactions that retry in lockstep conflict again; a
      // few randomised milliseconds separate them.
      thread_local absl::BitGen bitgen;
      absl::SleepFor(
          absl::Milliseconds(absl::Uniform(bitgen, 2 * attempt, 10 * attempt)));
    }
    // A caller that has given up gets no database work done for it: a
    // write started after its deadline would succeed unseen (the client
    // only knows DEADLINE_EXCEEDED) and would hold a connection that live
    // calls are waiting for. Checked before every attempt, retries included.
    const absl::Time call_deadline = common::CurrentCallDeadline();
    const absl::Duration time_left = call_deadline - absl::Now();
    if (time_left <= absl::ZeroDuration()) return CallDeadlinePassed();
    absl::StatusOr<ConnectionLease> lease =
        pool.Acquire(std::min(acquire_timeout, time_left));
    if (!lease.ok()) {
      // Waiting ended because the call's deadline came first: say so, not
      // "server busy" (a full queue still answers RESOURCE_EXHAUSTED at once).
      if (absl::Now() >= call_deadline) return CallDeadlinePassed();
      return lease.status();
    }
    try {
      // No statement of this attempt outlives the caller: one that would
      // is cut off by the server (error 1969, DEADLINE_EXCEEDED), its
      // transaction rolled back by TransactionGuard, and the session stays
      // in the pool. Measured at the lease, not per statement: every
      // statement gets at most the time the call had left when the
      // attempt began.
      (*lease)->BoundStatementTime(call_deadline - absl::Now());
      status = body(**lease);
    } catch (const sql::SQLException& e) {
      status =
          MapSqlError(e.getErrorCode(), e.getSQLState(), e.what(), operation);
      // A statement the server cut off (max_statement_time) leaves a
      // healthy session behind; only a lost or killed one is dropped.
      if (IsConnectionError(e.getErrorCode(), e.getSQLState(), e.what())) {
        lease->MarkBroken();
      }
    } catch (const std::exception& e) {
      // Not expected from Connector/C++, but its state is then unknown.
      LogStorageLine(absl::StrCat(operation, ": ", e.what()));
      lease->MarkBroken();
      status = absl::InternalError("internal storage error");
    }
    if ((*lease)->unusable()) lease->MarkBroken();
    if (status.code() != absl::StatusCode::kAborted) return status;
  }
  return status;
}

absl::Status CheckUserExistsOn(PooledConnection& connection, std::uint64_t id) {
  sql::PreparedStatement& select =
      connection.Prepare("SELECT 1 FROM users WHERE id = ?");
  select.setUInt64(1, id);
  std::unique_ptr<sql::ResultSet> rows(select.executeQuery());
  if (!rows->next()) return absl::NotFoundError("user not found");
  return absl::OkStatus();
}

}  // namespace miniter::storage::mysql
