// query_runner.cc: lease, run, map exceptions, retry conflicts.
#include "server/storage/mysql/query_runner.h"

#include <exception>
#include <memory>

#include <cppconn/exception.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "server/storage/mysql/mysql_error.h"

namespace miniter::storage::mysql {
namespace {

constexpr int kMaxRetries = 3;

}  // namespace

absl::Status RunWithRetry(ConnectionPool& pool, absl::Duration acquire_timeout,
                          absl::string_view operation,
                          absl::FunctionRef<absl::Status(PooledConnection&)> body) {
  EnsureDriverThreadInit();
  absl::Status status;
  for (int attempt = 0; attempt <= kMaxRetries; ++attempt) {
    if (attempt > 0) {
      // Conflicting transactions that retry in lockstep conflict again; a
      // few randomised milliseconds separate them.
      thread_local absl::BitGen bitgen;
      absl::SleepFor(absl::Milliseconds(
          absl::Uniform(bitgen, 2 * attempt, 10 * attempt)));
    }
    absl::StatusOr<ConnectionLease> lease = pool.Acquire(acquire_timeout);
    if (!lease.ok()) return lease.status();
    try {
      status = body(**lease);
    } catch (const sql::SQLException& e) {
      status = MapSqlError(e.getErrorCode(), e.getSQLState(), e.what(),
                           operation);
      if (IsConnectionError(e.getErrorCode(), e.getSQLState(), e.what()) ||
          status.code() == absl::StatusCode::kDeadlineExceeded) {
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

absl::Status CheckUserExistsOn(PooledConnection& connection,
                               std::uint64_t id) {
  sql::PreparedStatement& select =
      connection.Prepare("SELECT 1 FROM users WHERE id = ?");
  select.setUInt64(1, id);
  std::unique_ptr<sql::ResultSet> rows(select.executeQuery());
  if (!rows->next()) return absl::NotFoundError("user not found");
  return absl::OkStatus();
}

}  // namespace miniter::storage::mysql
