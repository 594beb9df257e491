// mysql_error.h: turns MySQL/MariaDB errors into absl::Status, the one place
// that decides which failures callers may see as what.
//
// Takes plain values instead of sql::SQLException so it is unit-testable
// without Connector/C++ or a database.
#ifndef MINITER_SERVER_STORAGE_MYSQL_MYSQL_ERROR_H_
#define MINITER_SERVER_STORAGE_MYSQL_MYSQL_ERROR_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace miniter::storage::mysql {

// Maps a server or client error to a status:
//   1062, 1586 duplicate key           -> ALREADY_EXISTS
//   1452 foreign key (no parent row)   -> NOT_FOUND
//   1205 lock wait timeout, 1213 deadlock, SQLSTATE 40001 -> ABORTED
//        (the stores retry these before surfacing them)
//   1969, 3024 statement time limit    -> DEADLINE_EXCEEDED
//   connection failures (see IsConnectionError), 1317 query interrupted,
//   1040 too many connections, 1044/1045 access denied, 1049 unknown
//   database                           -> UNAVAILABLE
//   anything else                      -> INTERNAL
// The returned message is fixed English and never contains `message` (it may
// quote SQL or data); UNAVAILABLE, DEADLINE_EXCEEDED, ABORTED and INTERNAL
// are logged to stderr with the detail, prefixed "storage: `operation`".
absl::Status MapSqlError(int error_code, absl::string_view sql_state,
                         absl::string_view message,
                         absl::string_view operation);

// True when the connection that produced this error can no longer be trusted
// and must be dropped rather than returned to the pool: client-side
// connection errors (2002, 2003, 2006, 2013, 2055, ...), the server killing
// or shutting down the session (1927, 1053), SQLSTATE class 08, and
// Connector/C++'s own errors about a closed or gone-away connection.
bool IsConnectionError(int error_code, absl::string_view sql_state,
                       absl::string_view message);

// Logs "storage: <line>" (server/common/log.h). Never pass passwords.
void LogStorageLine(absl::string_view line);

}  // namespace miniter::storage::mysql

#endif  // MINITER_SERVER_STORAGE_MYSQL_MYSQL_ERROR_H_
