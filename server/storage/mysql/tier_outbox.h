// tier_outbox.h: the durable outbox between MariaDB and the memory tier.
// A write records what the tier must learn in its own transaction; after
// the commit the writer applies it to the tier and marks it done; rows
// left behind (a server killed in between, a tier that was down) are
// applied by a sweeper on every server, and all of them before a tier that
// failed is used again. Schema: sql/migrations/0005_tier_outbox.sql;
// docs/timeline-design.md ("Memory tier") explains why nothing is lost.
#ifndef MINITER_SERVER_STORAGE_MYSQL_TIER_OUTBOX_H_
#define MINITER_SERVER_STORAGE_MYSQL_TIER_OUTBOX_H_

#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "server/storage/home_timeline_tier.h"
#include "server/storage/mysql/connection_pool.h"
#include "server/storage/mysql/pooled_connection.h"

namespace miniter::storage::mysql {

struct TierOutboxOptions {
  // Rows younger than this are left to the writer that recorded them. An
  // invalidation is applied by its writer and then again by the sweeper
  // once this old, which removes an entry a racing fan-out or rebuild
  // might have refilled with the edge's old state.
  absl::Duration settle = absl::Seconds(2);
  // How often the sweeper looks for settled rows.
  absl::Duration sweep_period = absl::Milliseconds(500);
  // How often applied rows are deleted (one statement per batch).
  absl::Duration flush_period = absl::Milliseconds(100);
};

// Thread-safe.
class TierOutbox {
 public:
  enum class Kind : int {
    kTweet = 1,                // subject: tweet id; author: its author
    kInvalidateOwner = 2,      // subject: the owner
    kInvalidateFollowers = 3,  // subject: the author followed
  };

  // Starts the sweeper thread and registers the repair hook on `tier`.
  TierOutbox(std::shared_ptr<ConnectionPool> pool,
             absl::Duration acquire_timeout,
             std::shared_ptr<HomeTimelineTier> tier,
             TierOutboxOptions options = TierOutboxOptions());
  ~TierOutbox();
  TierOutbox(const TierOutbox&) = delete;
  TierOutbox& operator=(const TierOutbox&) = delete;

  HomeTimelineTier& tier() { return *tier_; }

  // Records a row inside the caller's transaction; returns its id. Throws
  // sql::SQLException like any query (the caller runs in RunWithRetry).
  static std::uint64_t Record(PooledConnection& connection, Kind kind,
                              std::uint64_t subject, std::uint64_t author);

  // The current followers of `author`, read inside the caller's
  // transaction (throws like any query).
  static std::vector<UserId> ReadFollowers(PooledConnection& connection,
                                           UserId author);

  // After the commit: adds `tweet` to `owners`' entries (the author and
  // the followers the commit wrote home rows for) and, when that worked,
  // marks row `id` done. A failure leaves the row to the sweeper.
  void ApplyTweet(std::uint64_t id, const std::vector<UserId>& owners,
                  TweetId tweet);

  // After the commit: invalidates `owners`' entries now; row `id` stays
  // for the sweeper's second invalidation (TierOutboxOptions::settle).
  void ApplyInvalidation(const std::vector<UserId>& owners);

  // Applies every row at least `min_age` old and deletes it, in batches,
  // each row once across servers (rows are claimed with SKIP LOCKED).
  // UNAVAILABLE when the tier or the database failed (rows stay).
  absl::Status Sweep(absl::Duration min_age);

 private:
  void Run();
  void FlushDone();

  std::shared_ptr<ConnectionPool> pool_;
  absl::Duration acquire_timeout_;
  std::shared_ptr<HomeTimelineTier> tier_;
  TierOutboxOptions options_;
  absl::Mutex mu_;
  std::vector<std::uint64_t> done_ ABSL_GUARDED_BY(mu_);
  absl::Notification stop_;
  std::thread thread_;
};

}  // namespace miniter::storage::mysql

#endif  // MINITER_SERVER_STORAGE_MYSQL_TIER_OUTBOX_H_
