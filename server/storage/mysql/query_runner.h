// query_runner.h: runs one store operation on a pooled connection, turning
// Connector/C++ exceptions into statuses and retrying transient conflicts.
//
// Every store method goes through RunWithRetry, so this is where the
// "no exception escapes the storage layer" rule is kept.
#ifndef MINITER_SERVER_STORAGE_MYSQL_QUERY_RUNNER_H_
#define MINITER_SERVER_STORAGE_MYSQL_QUERY_RUNNER_H_

#include <cstdint>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "server/storage/mysql/connection_pool.h"
#include "server/storage/mysql/pooled_connection.h"

namespace miniter::storage::mysql {

// Leases a connection (waiting up to `acquire_timeout`, and never past the
// current call's deadline: common/call_deadline.h) and calls `body` on
// it. A sql::SQLException thrown by `body` becomes a status via MapSqlError;
// connection errors also drop the connection. ABORTED (deadlock, lock wait
// timeout) is retried up to 3 more times, each on a fresh lease after a
// short randomised pause, before it is returned. `operation` names the
// caller in logs ("CreateUser"). Once the call's deadline has passed, no
// further attempt starts: DEADLINE_EXCEEDED, and nothing was changed by
// the attempts not made. Each attempt's statements are bounded by the time
// the call has left (PooledConnection::BoundStatementTime): one still
// running then is cut off by the server, DEADLINE_EXCEEDED, the
// connection kept for the next call.
absl::Status RunWithRetry(
    ConnectionPool& pool, absl::Duration acquire_timeout,
    absl::string_view operation,
    absl::FunctionRef<absl::Status(PooledConnection&)> body);

// OK when user `id` exists, NOT_FOUND otherwise. Shared by the stores whose
// writes or reads must tell "no rows" from "no such user". Runs inside a
// RunWithRetry body (it may throw sql::SQLException like any query there).
absl::Status CheckUserExistsOn(PooledConnection& connection, std::uint64_t id);

// The SQL expression that reads DATETIME(6) column `column` as microseconds
// since the Unix epoch (exact, and independent of the session time zone).
#define MINITER_SQL_UNIX_MICROS(column) \
  "TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', " column ")"

inline absl::Time TimeFromUnixMicros(std::int64_t micros) {
  return absl::FromUnixMicros(micros);
}

}  // namespace miniter::storage::mysql

#endif  // MINITER_SERVER_STORAGE_MYSQL_QUERY_RUNNER_H_
