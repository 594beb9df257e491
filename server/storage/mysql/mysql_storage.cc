// mysql_storage.cc: builds the MySQL stores, applies migrations, checks the
// server's durability settings (see mysql_storage.h).
#include "server/storage/mysql/mysql_storage.h"

#include <algorithm>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>

#include <cppconn/connection.h>
#include <cppconn/exception.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>
#include <cppconn/statement.h>

#include "absl/cleanup/cleanup.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "server/storage/mysql/connection_pool.h"
#include "server/storage/mysql/connection_settings_from.h"
#include "server/storage/mysql/database_url.h"
#include "server/storage/mysql/embedded_migrations.h"
#include "server/storage/mysql/mysql_database_health.h"
#include "server/storage/mysql/mysql_error.h"
#include "server/storage/mysql/mysql_follow_store.h"
#include "server/storage/mysql/mysql_tweet_store.h"
#include "server/storage/mysql/mysql_user_store.h"
#include "server/storage/mysql/pooled_connection.h"
#include "server/storage/mysql/replica_tweet_store.h"
#include "server/storage/mysql/sql_script.h"
#include "server/storage/mysql/tier_outbox.h"

namespace miniter::storage {
namespace {

using mysql::ConnectionPool;
using mysql::ConnectionSettings;
using mysql::PooledConnection;

// Health checks wait at most this long for the health pool's connection.
constexpr absl::Duration kHealthAcquireTimeout = absl::Seconds(1);
// The health pool's own timeouts, shorter than the request pool's, so that a
// hung (paused, overloaded) database turns health NOT_SERVING within a few
// seconds instead of after the long request I/O timeout.
constexpr absl::Duration kHealthConnectTimeout = absl::Seconds(1);
constexpr absl::Duration kHealthIoTimeout = absl::Seconds(1);
// GET_LOCK blocks on the server; the client's read timeout must outlast it,
// and DDL on a large table can take minutes.
constexpr int kMigrationLockSeconds = 30;
constexpr absl::Duration kMigrationIoTimeout = absl::Minutes(5);

constexpr const char* kCreateSchemaMigrations =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version INT NOT NULL PRIMARY KEY,"
    " name VARCHAR(255) NOT NULL,"
    " applied_at DATETIME(6) NOT NULL"
    ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin";
constexpr const char* kSelectAppliedMigrations =
    "SELECT version, name FROM schema_migrations ORDER BY version";
constexpr const char* kInsertAppliedMigration =
    "INSERT INTO schema_migrations (version, name, applied_at) "
    "VALUES (?, ?, UTC_TIMESTAMP(6))";

// Runs `body` on a connection of its own (not a pool), for the one-off
// start-up tasks. Exceptions become statuses named after `operation`.
absl::Status WithOwnConnection(
    const ConnectionSettings& settings, absl::string_view operation,
    const std::function<absl::Status(PooledConnection&)>& body) {
  absl::StatusOr<std::unique_ptr<PooledConnection>> connection =
      mysql::OpenPooledConnection(settings);
  if (!connection.ok()) return connection.status();
  try {
    return body(**connection);
  } catch (const sql::SQLException& e) {
    return mysql::MapSqlError(e.getErrorCode(), e.getSQLState(), e.what(),
                              operation);
  } catch (const std::exception& e) {
    mysql::LogStorageLine(absl::StrCat(operation, ": ", e.what()));
    return absl::InternalError("internal storage error");
  }
}

absl::Status ApplyPendingMigrations(PooledConnection& connection,
                                    std::vector<int>& applied_now) {
  connection.Execute(kCreateSchemaMigrations);
  std::map<int, std::string> applied;
  {
    sql::PreparedStatement& select =
        connection.Prepare(kSelectAppliedMigrations);
    std::unique_ptr<sql::ResultSet> rows(select.executeQuery());
    while (rows->next()) applied[rows->getInt(1)] = rows->getString(2);
  }
  int newest_known = 0;
  for (size_t i = 0; i < mysql::kEmbeddedMigrationCount; ++i) {
    const mysql::EmbeddedMigration& migration = mysql::kEmbeddedMigrations[i];
    newest_known = migration.version;
    auto it = applied.find(migration.version);
    if (it != applied.end()) {
      // A renamed or renumbered file means the schema may not be what this
      // build expects; refuse rather than guess.
      if (it->second != migration.name) {
        return absl::FailedPreconditionError(absl::StrCat(
            "schema_migrations says version ", migration.version, " is \"",
            it->second, "\" but this build has \"", migration.name, "\""));
      }
      continue;
    }
    const std::string step = absl::StrCat("migration ", migration.name);
    try {
      for (const std::string& statement :
           mysql::SplitSqlStatements(migration.sql)) {
        connection.Execute(statement);
      }
      sql::PreparedStatement& record =
          connection.Prepare(kInsertAppliedMigration);
      record.setInt(1, migration.version);
      record.setString(2, migration.name);
      record.executeUpdate();
    } catch (const sql::SQLException& e) {
      absl::Status status =
          mysql::MapSqlError(e.getErrorCode(), e.getSQLState(), e.what(), step);
      if (absl::IsInternal(status)) {
        return absl::InternalError(
            absl::StrCat(step, " failed; see the storage log line"));
      }
      return status;
    }
    mysql::LogStorageLine(absl::StrCat("applied ", step));
    applied_now.push_back(migration.version);
  }
  if (!applied.empty() && applied.rbegin()->first > newest_known) {
    // Normal during a rolling upgrade: a newer server already migrated.
    mysql::LogStorageLine(
        absl::StrCat("database has schema version ", applied.rbegin()->first,
                     ", newer than this build's ", newest_known));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<MySqlStorage> OpenMySqlStorage(const MySqlOptions& options) {
  absl::StatusOr<ConnectionSettings> settings =
      mysql::ConnectionSettingsFrom(options);
  if (!settings.ok()) return settings.status();
  if (options.pool_size < 1) {
    return absl::InvalidArgumentError("database pool size must be at least 1");
  }
  if (options.pool_queue < 0) {
    return absl::InvalidArgumentError(
        "database pool queue must not be negative");
  }
  auto opener = [settings = *settings]() {
    return mysql::OpenPooledConnection(settings);
  };
  ConnectionSettings health_settings = *settings;
  health_settings.connect_timeout =
      std::min(health_settings.connect_timeout, kHealthConnectTimeout);
  health_settings.io_timeout =
      std::min(health_settings.io_timeout, kHealthIoTimeout);
  auto health_opener = [health_settings]() {
    return mysql::OpenPooledConnection(health_settings);
  };
  auto pool = std::make_shared<ConnectionPool>(opener, options.pool_size,
                                               EffectivePoolQueue(options));
  auto health_pool = std::make_shared<ConnectionPool>(health_opener, 1);

  MySqlStorage storage;
  storage.users =
      std::make_shared<mysql::MySqlUserStore>(pool, options.acquire_timeout);
  std::shared_ptr<mysql::TierOutbox> outbox;
  if (options.tier != nullptr) {
    outbox = std::make_shared<mysql::TierOutbox>(pool, options.acquire_timeout,
                                                 options.tier);
  }
  auto tweets = std::make_shared<mysql::MySqlTweetStore>(
      pool, options.acquire_timeout, options.timeline, outbox);
  storage.tweets = tweets;
  storage.cache_stats = [tweets] { return tweets->CacheStatsNow(); };
  storage.follows = std::make_shared<mysql::MySqlFollowStore>(
      pool, options.acquire_timeout, options.timeline, outbox);
  storage.health = std::make_shared<mysql::MySqlDatabaseHealth>(
      health_pool, std::min(options.acquire_timeout, kHealthAcquireTimeout));
  storage.target = mysql::DescribeDatabaseTarget(settings->url);
  storage.pool_stats = [pool] { return pool->Stats(); };
  storage.lagging_timelines = storage.tweets;
  if (!options.replica_database_url.empty()) {
    absl::StatusOr<std::shared_ptr<TweetStore>> routed =
        mysql::OpenReplicaTweetStore(options, storage.tweets);
    if (!routed.ok()) return routed.status();
    storage.lagging_timelines = *std::move(routed);
  }
  return storage;
}

absl::StatusOr<std::vector<int>> ApplyMigrations(const MySqlOptions& options) {
  absl::StatusOr<ConnectionSettings> settings =
      mysql::ConnectionSettingsFrom(options);
  if (!settings.ok()) return settings.status();
  settings->io_timeout = std::max(settings->io_timeout, kMigrationIoTimeout);

  std::vector<int> applied_now;
  absl::Status status = WithOwnConnection(
      *settings, "ApplyMigrations",
      [&](PooledConnection& connection) -> absl::Status {
        {
          std::unique_ptr<sql::Statement> statement(
              connection.connection().createStatement());
          std::unique_ptr<sql::ResultSet> rows(statement->executeQuery(
              absl::StrCat("SELECT GET_LOCK('miniter.migrations', ",
                           kMigrationLockSeconds, ")")));
          if (!rows->next() || rows->isNull(1)) {
            return absl::InternalError("could not take the migration lock");
          }
          if (rows->getInt(1) != 1) {
            return absl::DeadlineExceededError(
                absl::StrCat("another server held the migration lock for ",
                             kMigrationLockSeconds, "s"));
          }
        }
        // The lock also ends with the session; releasing it promptly lets
        // the next server go on without waiting for our disconnect.
        absl::Cleanup release = [&connection] {
          try {
            connection.Execute("DO RELEASE_LOCK('miniter.migrations')");
          } catch (const std::exception&) {
          }
        };
        return ApplyPendingMigrations(connection, applied_now);
      });
  if (!status.ok()) return status;
  return applied_now;
}

absl::StatusOr<std::vector<std::string>> CheckDurability(
    const MySqlOptions& options) {
  absl::StatusOr<ConnectionSettings> settings =
      mysql::ConnectionSettingsFrom(options);
  if (!settings.ok()) return settings.status();

  std::vector<std::string> warnings;
  absl::Status status = WithOwnConnection(
      *settings, "CheckDurability",
      [&](PooledConnection& connection) -> absl::Status {
        std::unique_ptr<sql::Statement> statement(
            connection.connection().createStatement());
        // Read as strings: MySQL and MariaDB disagree on whether log_bin
        // comes back as 1 or ON.
        std::unique_ptr<sql::ResultSet> rows(statement->executeQuery(
            "SELECT CAST(@@innodb_flush_log_at_trx_commit AS CHAR),"
            " CAST(@@log_bin AS CHAR), CAST(@@sync_binlog AS CHAR)"));
        if (!rows->next()) return absl::InternalError("internal storage error");
        const std::string flush_log = rows->getString(1);
        const std::string log_bin = rows->getString(2);
        const std::string sync_binlog = rows->getString(3);
        if (flush_log != "1") {
          warnings.push_back(absl::StrCat(
              "innodb_flush_log_at_trx_commit is ", flush_log,
              ", not 1: a crash or power loss can lose up to about a second "
              "of writes that were already reported as saved"));
        }
        const bool binlog_on = log_bin == "1" || log_bin == "ON";
        if (binlog_on && sync_binlog != "1") {
          warnings.push_back(absl::StrCat(
              "sync_binlog is ", sync_binlog,
              ", not 1, while the binary log is on: after a crash, replicas "
              "and point-in-time recovery can miss committed writes"));
        }
        return absl::OkStatus();
      });
  if (!status.ok()) return status;
  return warnings;
}

}  // namespace miniter::storage
