// connection_pool.h: a fixed-size pool of MySQL sessions shared by the
// stores; it bounds how many queries the server runs at once.
#ifndef MINITER_SERVER_STORAGE_MYSQL_CONNECTION_POOL_H_
#define MINITER_SERVER_STORAGE_MYSQL_CONNECTION_POOL_H_

#include <functional>
#include <limits>
#include <memory>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/common/admission_stats.h"
#include "server/storage/mysql/connection_lease.h"
#include "server/storage/mysql/pooled_connection.h"

namespace miniter::storage::mysql {

// Thread-safe. Connections open lazily, on demand, up to `max_size`; idle
// ones are reused newest first. A connection returned broken is closed, and
// so are the idle ones (a failure usually means the server restarted, and
// each stale idle connection would otherwise fail one more request).
//
// Admission: at most `max_waiting` calls queue for a busy pool; the next one
// is refused at once (RESOURCE_EXHAUSTED with a retry hint) instead of
// waiting. Under overload this keeps the latency of admitted calls to about
// (max_waiting / max_size + 1) query times, and tells the rest quickly to
// come back later, rather than making everyone wait out the timeout.
class ConnectionPool {
 public:
  using Opener =
      std::function<absl::StatusOr<std::unique_ptr<PooledConnection>>()>;

  // How long a refused caller is told to wait before retrying
  // (common::WithRetryAfter): about one short query's time on a busy pool.
  static constexpr absl::Duration kRetryAfter = absl::Milliseconds(200);

  // `opener` makes a new connection (OpenPooledConnection in production);
  // it is called without the pool's lock held. `max_waiting` < 0 means
  // "no limit on the queue".
  ConnectionPool(Opener opener, int max_size, int max_waiting = -1);
  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;

  // A free connection, or a new one if fewer than max_size are open.
  // RESOURCE_EXHAUSTED "server busy: ..." with a retry hint at once when
  // max_waiting calls already wait, or when none frees up within `timeout`;
  // the opener's status (UNAVAILABLE) when opening fails.
  absl::StatusOr<ConnectionLease> Acquire(absl::Duration timeout);

  // For tests and metrics.
  int open_count() const;
  int idle_count() const;
  int waiting_count() const;
  // For metrics: in_use counts connections leased out or being opened.
  common::AdmissionStats Stats() const;

 private:
  friend class ConnectionLease;
  void Release(std::unique_ptr<PooledConnection> connection, bool broken);

  const Opener opener_;
  const int max_size_;
  const int max_waiting_;
  mutable absl::Mutex mu_;
  absl::CondVar slot_freed_;
  std::vector<std::unique_ptr<PooledConnection>> idle_ ABSL_GUARDED_BY(mu_);
  // Idle + leased + being opened; never more than max_size_.
  int open_ ABSL_GUARDED_BY(mu_) = 0;
  // Calls blocked in Acquire waiting for a slot.
  int waiting_ ABSL_GUARDED_BY(mu_) = 0;
  // Since start, for Stats().
  std::uint64_t waited_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Duration wait_time_ ABSL_GUARDED_BY(mu_);
  std::uint64_t refused_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace miniter::storage::mysql

#endif  // MINITER_SERVER_STORAGE_MYSQL_CONNECTION_POOL_H_
