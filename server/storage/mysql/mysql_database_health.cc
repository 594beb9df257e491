// mysql_database_health.cc: the health checker's round trip to the database.
#include "server/storage/mysql/mysql_database_health.h"

#include <memory>
#include <string>
#include <utility>

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include "absl/status/status.h"
#include "server/storage/mysql/query_runner.h"

namespace miniter::storage::mysql {

MySqlDatabaseHealth::MySqlDatabaseHealth(std::shared_ptr<ConnectionPool> pool,
                                         absl::Duration acquire_timeout)
    : pool_(std::move(pool)), acquire_timeout_(acquire_timeout) {}

absl::Status MySqlDatabaseHealth::Ping() {
  absl::Status status = RunWithRetry(
      *pool_, acquire_timeout_, "Ping",
      [&](PooledConnection& connection) -> absl::Status {
        sql::PreparedStatement& select = connection.Prepare("SELECT 1");
        std::unique_ptr<sql::ResultSet> rows(select.executeQuery());
        if (!rows->next()) return absl::InternalError("no row");
        return absl::OkStatus();
      });
  // The contract is OK or UNAVAILABLE: the checker only needs yes or no.
  if (!status.ok() && !absl::IsUnavailable(status)) {
    return absl::UnavailableError(std::string("database unavailable: ") +
                                  std::string(status.message()));
  }
  return status;
}

}  // namespace miniter::storage::mysql
