// mysql_database_health.h: DatabaseHealth on MySQL/MariaDB (SELECT 1).
#ifndef MINITER_SERVER_STORAGE_MYSQL_MYSQL_DATABASE_HEALTH_H_
#define MINITER_SERVER_STORAGE_MYSQL_MYSQL_DATABASE_HEALTH_H_

#include <memory>

#include "absl/time/time.h"
#include "server/storage/database_health.h"
#include "server/storage/mysql/connection_pool.h"

namespace miniter::storage::mysql {

// Thread-safe. Give it a pool of its own (OpenMySqlStorage does, size 1) so
// a server whose request pool is saturated still answers health checks
// truthfully instead of reporting the database down.
class MySqlDatabaseHealth : public DatabaseHealth {
 public:
  MySqlDatabaseHealth(std::shared_ptr<ConnectionPool> pool,
                      absl::Duration acquire_timeout);

  absl::Status Ping() override;

 private:
  std::shared_ptr<ConnectionPool> pool_;
  absl::Duration acquire_timeout_;
};

}  // namespace miniter::storage::mysql

#endif  // MINITER_SERVER_STORAGE_MYSQL_MYSQL_DATABASE_HEALTH_H_
