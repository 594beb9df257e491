// mysql_error_codes.h: the MySQL/MariaDB error numbers miniter acts on or
// its tests look for, each defined once, for the storage layer and its tests.
//
// The numbers are those of mysqld_error.h (server errors, MariaDB's where
// MySQL has none) and errmsg.h (client errors, 2000-2999); Connector/C++
// reports both through sql::SQLException::getErrorCode(). Named here rather
// than taken from those headers: they come with libmariadb-dev, which the build
// does not otherwise need (Connector/C++ does not install them).
#ifndef MINITER_SERVER_STORAGE_MYSQL_MYSQL_ERROR_CODES_H_
#define MINITER_SERVER_STORAGE_MYSQL_MYSQL_ERROR_CODES_H_

namespace miniter::storage::mysql {

// Server errors (the ER_ names of mysqld_error.h).
inline constexpr int kErrTooManyConnections = 1040;  // ER_CON_COUNT_ERROR
inline constexpr int kErrDbAccessDenied = 1044;      // ER_DBACCESS_DENIED_ERROR
inline constexpr int kErrAccessDenied = 1045;        // ER_ACCESS_DENIED_ERROR
inline constexpr int kErrUnknownDatabase = 1049;     // ER_BAD_DB_ERROR
inline constexpr int kErrServerShutdown = 1053;      // ER_SERVER_SHUTDOWN
inline constexpr int kErrDupEntry = 1062;            // ER_DUP_ENTRY
inline constexpr int kErrLockWaitTimeout = 1205;     // ER_LOCK_WAIT_TIMEOUT
inline constexpr int kErrDeadlock = 1213;            // ER_LOCK_DEADLOCK
inline constexpr int kErrQueryInterrupted = 1317;    // ER_QUERY_INTERRUPTED
// A child row whose parent row is missing (foreign key).
inline constexpr int kErrNoReferencedRow = 1452;  // ER_NO_REFERENCED_ROW_2
// ER_DUP_ENTRY_WITH_KEY_NAME
inline constexpr int kErrDupEntryWithKeyName = 1586;
// MariaDB only: ER_CONNECTION_KILLED, and max_statement_time exceeded.
inline constexpr int kErrConnectionKilled = 1927;
inline constexpr int kErrStatementTimeout = 1969;
// MySQL only: max_execution_time exceeded.
inline constexpr int kErrMaxExecutionTime = 3024;

// Client errors (the CR_ names of errmsg.h).
inline constexpr int kCrConnectionError = 2002;     // CR_CONNECTION_ERROR
inline constexpr int kCrConnHostError = 2003;       // CR_CONN_HOST_ERROR
inline constexpr int kCrUnknownHost = 2005;         // CR_UNKNOWN_HOST
inline constexpr int kCrServerGoneError = 2006;     // CR_SERVER_GONE_ERROR
inline constexpr int kCrServerLost = 2013;          // CR_SERVER_LOST
inline constexpr int kCrSslConnectionError = 2026;  // CR_SSL_CONNECTION_ERROR
inline constexpr int kCrServerLostExtended = 2055;  // CR_SERVER_LOST_EXTENDED

}  // namespace miniter::storage::mysql

#endif  // MINITER_SERVER_STORAGE_MYSQL_MYSQL_ERROR_CODES_H_
