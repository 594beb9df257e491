// mysql_storage.h: the entry point to miniter's MySQL/MariaDB storage.
//
// Everything that speaks SQL lives under server/storage/mysql/. The rest of
// the server sees only the interfaces in server/storage/, built here.
#ifndef MINITER_SERVER_STORAGE_MYSQL_MYSQL_STORAGE_H_
#define MINITER_SERVER_STORAGE_MYSQL_MYSQL_STORAGE_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "server/common/admission_stats.h"
#include "server/common/cache_stats.h"
#include "server/storage/database_health.h"
#include "server/storage/follow_store.h"
#include "server/storage/home_timeline_tier.h"
#include "server/storage/mysql/timeline_options.h"
#include "server/storage/tweet_store.h"
#include "server/storage/user_store.h"

namespace miniter::storage {

struct MySqlOptions {
  // mysql://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?socket=/path/to.sock]
  // (percent-encoding allowed in USER and PASSWORD).
  std::string database_url;
  // Most connections held open at once; also the most concurrent queries.
  int pool_size = 16;
  // How many requests may queue for a connection when all pool_size are in
  // use; further ones get RESOURCE_EXHAUSTED (with a retry hint) at once.
  // 0 means 4 × pool_size (EffectivePoolQueue): enough that short bursts
  // wait instead of failing, few enough that a queued call waits about four
  // query times at most.
  int pool_queue = 0;
  // How long a queued request waits for a free connection before
  // RESOURCE_EXHAUSTED.
  absl::Duration acquire_timeout = absl::Seconds(2);
  // TCP/socket connect timeout for a new connection.
  absl::Duration connect_timeout = absl::Seconds(3);
  // Read/write timeout on an open connection (a hung database ends in
  // UNAVAILABLE instead of a thread stuck forever).
  absl::Duration io_timeout = absl::Seconds(10);
  // Fan-out threshold, home-timeline retention, follow backfill depth and
  // trimming rate; production defaults (tests lower them).
  TimelineOptions timeline;
  // A MariaDB replica of the database (same URL syntax), or empty. Reads
  // that may lag (MySqlStorage::lagging_timelines) go there while it is at
  // most replica_max_staleness behind the primary (GTID-measured; see
  // replica_tweet_store.h), else to the primary.
  std::string replica_database_url;
  absl::Duration replica_max_staleness = absl::Seconds(2);
  // The shared memory tier of home timelines, or null for the database
  // alone. Every server writing to one database must use the same tier
  // (or none): a server without it would not tell the tier of its writes.
  std::shared_ptr<HomeTimelineTier> tier;
};

// The queue length the pool gets: options.pool_queue, or 4 × pool_size when
// that is 0.
inline int EffectivePoolQueue(const MySqlOptions& options) {
  return options.pool_queue > 0 ? options.pool_queue : 4 * options.pool_size;
}

// The stores, all sharing one connection pool.
struct MySqlStorage {
  std::shared_ptr<UserStore> users;
  std::shared_ptr<TweetStore> tweets;
  // Timeline reads that may be up to replica_max_staleness behind (other
  // users' timelines): the replica router when a replica is configured,
  // else the same store as `tweets`. Writes through it go to the primary.
  std::shared_ptr<TweetStore> lagging_timelines;
  std::shared_ptr<FollowStore> follows;
  std::shared_ptr<DatabaseHealth> health;
  // "host:port/database" or "socket /path/database": printable, no password.
  std::string target;
  // The primary's request pool now, for metrics. Thread-safe.
  std::function<common::AdmissionStats()> pool_stats;
  // The tweet store's in-process caches now, for metrics. Thread-safe.
  std::function<std::vector<common::CacheStats>()> cache_stats;
};

// Parses the URL and builds the pool. Connects lazily: succeeds even while
// the database is down (calls then fail UNAVAILABLE until it returns).
// INVALID_ARGUMENT for a malformed URL.
absl::StatusOr<MySqlStorage> OpenMySqlStorage(const MySqlOptions& options);

// Applies the migrations in sql/migrations that the database has not seen
// yet, each exactly once, in order, recorded in table schema_migrations.
// Safe to run from several servers at once (a named lock serialises them).
// Returns the versions applied now. UNAVAILABLE when the database is down.
absl::StatusOr<std::vector<int>> ApplyMigrations(const MySqlOptions& options);

// Reads the durability settings of the server and returns one warning per
// weakened setting (innodb_flush_log_at_trx_commit != 1, and sync_binlog
// != 1 when the binary log is on). Empty when writes are durable.
absl::StatusOr<std::vector<std::string>> CheckDurability(
    const MySqlOptions& options);

}  // namespace miniter::storage

#endif  // MINITER_SERVER_STORAGE_MYSQL_MYSQL_STORAGE_H_
