// replica_tweet_store.h: timeline reads served by a MariaDB replica while it
// is provably close behind the primary, by the primary otherwise.
//
// Staleness is measured with GTIDs, not Seconds_Behind_Master (which needs
// a privilege miniter's account lacks, reads 0 while the replica's I/O
// thread is idle or cut off, and NULL while it is stopped): every probe
// reads the primary's @@gtid_binlog_pos, then the replica's
// @@gtid_slave_pos. Once the replica's position covers a position the
// primary had at time T, the replica holds every transaction committed
// before T, so a read there is at most now - T behind. Both variables are
// readable without any privilege.
#ifndef MINITER_SERVER_STORAGE_MYSQL_REPLICA_TWEET_STORE_H_
#define MINITER_SERVER_STORAGE_MYSQL_REPLICA_TWEET_STORE_H_

#include <atomic>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "server/storage/mysql/connection_pool.h"
#include "server/storage/mysql/mysql_storage.h"
#include "server/storage/tweet_store.h"

namespace miniter::storage::mysql {

// A MariaDB GTID position: replication domain id -> highest sequence number.
using GtidPosition = std::map<std::uint32_t, std::uint64_t>;

// Parses "0-1-26,1-2-5" (domain-server-sequence, comma-separated; empty
// means nothing yet). False for anything else.
bool ParseGtidPosition(absl::string_view text, GtidPosition* out);

// True when `applied` includes everything in `target`: for every domain of
// `target`, `applied` has reached its sequence number. (With gtid_strict_mode
// sequence numbers only grow within a domain, whichever server wrote them.)
bool GtidCovers(const GtidPosition& applied, const GtidPosition& target);

// Remembers the primary's positions over time and answers "the replica at
// `applied` holds everything committed before when?". Not thread-safe.
class StalenessTracker {
 public:
  explicit StalenessTracker(std::size_t max_samples = 64)
      : max_samples_(max_samples) {}
  // The primary was at `position` at `time` (times must not decrease).
  void AddPrimarySample(absl::Time time, GtidPosition position);
  // The replica has applied `applied`: moves the fresh-as-of time to the
  // newest sample it covers, and drops the samples before it.
  void ReplicaApplied(const GtidPosition& applied);
  // The replica could not be read: nothing is known about it any more.
  void ReplicaUnknown() { fresh_as_of_ = absl::InfinitePast(); }
  // Every transaction committed on the primary before this time is on the
  // replica; InfinitePast() when that is not known.
  absl::Time fresh_as_of() const { return fresh_as_of_; }

 private:
  struct Sample {
    absl::Time time;
    GtidPosition position;
  };
  std::size_t max_samples_;
  std::deque<Sample> samples_;
  absl::Time fresh_as_of_ = absl::InfinitePast();
};

// A TweetStore whose writes go to the primary and whose timeline reads go
// to the replica while the replica is at most `max_staleness` behind (as
// probed every `probe_interval`), else to the primary. A read the replica
// fails (unreachable, overloaded, or NOT_FOUND for an account too new to
// have arrived there) is asked of the primary in the same call, so a
// replica going away costs no call an error. Thread-safe.
//
// Only for reads that may lag: the rules use it for other users'
// timelines, never for the caller's own (read-your-writes).
class ReplicaTweetStore : public TweetStore {
 public:
  struct Options {
    absl::Duration max_staleness = absl::Seconds(2);
    absl::Duration probe_interval = absl::Milliseconds(250);
  };
  // The probe pools hold one connection each, to the primary and to the
  // replica; the stores do the real work.
  ReplicaTweetStore(std::shared_ptr<TweetStore> primary,
                    std::shared_ptr<TweetStore> replica,
                    std::shared_ptr<ConnectionPool> primary_probe,
                    std::shared_ptr<ConnectionPool> replica_probe,
                    Options options);
  ~ReplicaTweetStore() override;

  using TweetStore::CreateTweet;
  absl::StatusOr<TweetRecord> CreateTweet(UserId author_id,
                                          std::string_view text,
                                          std::string_view request_id) override;
  absl::StatusOr<std::vector<TweetRecord>> ReadTimelinePage(
      const TimelinePageQuery& query) override;
  // Routed like ReadTimelinePage.
  absl::StatusOr<std::vector<TweetRecord>> ReadUserTweetsPage(
      const UserTweetsQuery& query) override;

  // One probe round now (the background thread does this every interval).
  void ProbeOnce();
  // True when a read now would go to the replica.
  bool ReplicaIsFresh() const;
  // Pages served by the replica / by the primary so far.
  std::uint64_t replica_reads() const { return replica_reads_.load(); }
  std::uint64_t primary_reads() const { return primary_reads_.load(); }

 private:
  // After a read the replica failed: unless it only did not know the
  // user (an account too new to have arrived), it is no longer trusted.
  void NoteReplicaFailure(const absl::Status& status);

  std::shared_ptr<TweetStore> primary_;
  std::shared_ptr<TweetStore> replica_;
  std::shared_ptr<ConnectionPool> primary_probe_;
  std::shared_ptr<ConnectionPool> replica_probe_;
  const Options options_;
  mutable absl::Mutex mu_;
  StalenessTracker tracker_ ABSL_GUARDED_BY(mu_);
  // What the last probe concluded (-1: no probe yet), so that the log
  // shows the first state and every change, not every probe.
  int last_probe_fresh_ ABSL_GUARDED_BY(mu_) = -1;
  std::atomic<std::uint64_t> replica_reads_{0};
  std::atomic<std::uint64_t> primary_reads_{0};
  absl::Notification stop_;
  std::thread prober_;
};

// The store OpenMySqlStorage hands out for reads that may lag when
// `options.replica_database_url` is set: the replica's own stores (pool of
// options.pool_size, lazy connections) behind a ReplicaTweetStore over
// `primary`. INVALID_ARGUMENT for a malformed replica URL.
absl::StatusOr<std::shared_ptr<TweetStore>> OpenReplicaTweetStore(
    const MySqlOptions& options, std::shared_ptr<TweetStore> primary);

}  // namespace miniter::storage::mysql

#endif  // MINITER_SERVER_STORAGE_MYSQL_REPLICA_TWEET_STORE_H_
