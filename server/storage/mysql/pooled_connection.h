// pooled_connection.h: one open MySQL/MariaDB session, set up the way every
// store expects it, with its prepared statements cached for reuse.
#ifndef MINITER_SERVER_STORAGE_MYSQL_POOLED_CONNECTION_H_
#define MINITER_SERVER_STORAGE_MYSQL_POOLED_CONNECTION_H_

#include <memory>
#include <string>
#include <unordered_map>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "server/storage/mysql/database_url.h"

// Forward declarations keep Connector/C++ headers (and their include path)
// out of everything that includes this one, tests included.
namespace sql {
class Connection;
class PreparedStatement;
}  // namespace sql

namespace miniter::storage::mysql {

// Where and how to connect.
struct ConnectionSettings {
  DatabaseUrl url;
  absl::Duration connect_timeout = absl::Seconds(3);
  absl::Duration io_timeout = absl::Seconds(10);
};

// Not thread-safe: one thread at a time holds it through a ConnectionLease.
// The methods that talk to the server throw sql::SQLException; callers run
// them inside RunWithRetry (query_runner.h), which turns that into a status.
class PooledConnection {
 public:
  // `can_bound_statements`: the server has MariaDB's max_statement_time.
  PooledConnection(std::unique_ptr<sql::Connection> connection,
                   bool can_bound_statements);
  // No session behind it: only for tests of the pool, which never query.
  PooledConnection();
  ~PooledConnection();
  PooledConnection(const PooledConnection&) = delete;
  PooledConnection& operator=(const PooledConnection&) = delete;

  // The statement for `sql_text`, prepared on this connection on first use
  // and reused afterwards (parameters are rebound by the caller).
  sql::PreparedStatement& Prepare(const std::string& sql_text);

  // Runs a statement that takes no parameters and returns no rows (SET,
  // DDL), unprepared.
  void Execute(const std::string& sql_text);

  sql::Connection& connection() { return *connection_; }

  // A round trip to the server; false if it failed. Never throws.
  bool IsAlive();

  // Makes the server cut off any statement of this session that runs
  // longer than `time_left` (a call's remaining deadline; MariaDB's
  // max_statement_time, error 1969, which leaves the session usable);
  // InfiniteDuration() lifts the bound. The session keeps its bound while
  // it lies between 7/8 of `time_left` and `time_left`, so calls that come
  // with the same deadline cost no round trip; otherwise the bound is set
  // to 15/16 of `time_left` (at least 1 ms), which also leaves the answer
  // a moment to reach the client before its deadline. A no-op on servers
  // without max_statement_time (MySQL) and on connection-less test
  // instances. Throws sql::SQLException like any statement.
  void BoundStatementTime(absl::Duration time_left);

  // The bound the session has now (InfiniteDuration(): none). Tests.
  absl::Duration statement_time_bound() const { return statement_bound_; }

  absl::Time last_used() const { return last_used_; }
  void set_last_used(absl::Time t) { last_used_ = t; }

  // Set when the session's state is unknown although no exception reached
  // RunWithRetry (a ROLLBACK failed inside a destructor); RunWithRetry then
  // drops the connection instead of returning it to the pool.
  void MarkUnusable() { unusable_ = true; }
  bool unusable() const { return unusable_; }

 private:
  // statements_ comes after connection_ so it is destroyed first: a
  // statement must be closed while its connection is still open.
  std::unique_ptr<sql::Connection> connection_;
  std::unordered_map<std::string, std::unique_ptr<sql::PreparedStatement>>
      statements_;
  absl::Time last_used_ = absl::InfinitePast();
  bool unusable_ = false;
  // Whether the server knows max_statement_time (MariaDB), found at open.
  bool can_bound_statements_ = false;
  // What max_statement_time is in this session; a new session has the
  // server's default, 0 (none).
  absl::Duration statement_bound_ = absl::InfiniteDuration();
};

// Opens and sets up a new session: utf8mb4 with utf8mb4_bin, UTC time zone,
// strict sql_mode, READ COMMITTED, autocommit, no automatic reconnect.
// UNAVAILABLE (logged) when the server cannot be reached or refuses us.
absl::StatusOr<std::unique_ptr<PooledConnection>> OpenPooledConnection(
    const ConnectionSettings& settings);

// Calls the driver's threadInit() once per calling thread (and threadEnd()
// at thread exit), as Connector/C++ asks of threads that use it.
void EnsureDriverThreadInit();

}  // namespace miniter::storage::mysql

#endif  // MINITER_SERVER_STORAGE_MYSQL_POOLED_CONNECTION_H_
