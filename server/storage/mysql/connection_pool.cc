// connection_pool.cc: lazily opened, fixed-size connection pool.
#include "server/storage/mysql/connection_pool.h"

#include <algorithm>
#include <limits>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "server/common/retry_hint.h"

namespace miniter::storage::mysql {
namespace {

// An idle connection older than this is pinged before use: servers close
// sessions idle past wait_timeout, and a NAT may drop them sooner.
constexpr absl::Duration kCheckIdleAfter = absl::Seconds(30);

}  // namespace

ConnectionPool::ConnectionPool(Opener opener, int max_size, int max_waiting)
    : opener_(std::move(opener)),
      max_size_(std::max(1, max_size)),
      max_waiting_(max_waiting < 0 ? std::numeric_limits<int>::max()
                                   : max_waiting) {}

absl::StatusOr<ConnectionLease> ConnectionPool::Acquire(
    absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  std::unique_ptr<PooledConnection> connection;
  {
    absl::MutexLock lock(&mu_);
    if (idle_.empty() && open_ >= max_size_ && waiting_ >= max_waiting_) {
      ++refused_;
      return common::WithRetryAfter(absl::ResourceExhaustedError(absl::StrCat(
                                        "server busy: all ", max_size_,
                                        " database connections in use and ",
                                        waiting_, " calls already waiting")),
                                    kRetryAfter);
    }
    ++waiting_;
    // Only a caller that waits reads the clock again.
    const bool waits = idle_.empty() && open_ >= max_size_;
    const absl::Time wait_began = waits ? absl::Now() : absl::InfinitePast();
    if (waits) ++waited_;
    while (idle_.empty() && open_ >= max_size_) {
      const bool timed_out = slot_freed_.WaitWithDeadline(&mu_, deadline);
      if (timed_out && idle_.empty() && open_ >= max_size_) {
        --waiting_;
        ++refused_;
        wait_time_ += absl::Now() - wait_began;
        return common::WithRetryAfter(
            absl::ResourceExhaustedError(
                absl::StrCat("server busy: no database connection free within ",
                             absl::ToInt64Milliseconds(timeout), "ms")),
            kRetryAfter);
      }
    }
    --waiting_;
    if (waits) wait_time_ += absl::Now() - wait_began;
    if (!idle_.empty()) {
      connection = std::move(idle_.back());
      idle_.pop_back();
    } else {
      ++open_;  // reserve the slot; the connection is opened below
    }
  }
  // The slot stays ours from here on: a stale connection is replaced in it.
  if (connection != nullptr &&
      absl::Now() - connection->last_used() > kCheckIdleAfter &&
      !connection->IsAlive()) {
    connection.reset();
  }
  if (connection == nullptr) {
    absl::StatusOr<std::unique_ptr<PooledConnection>> opened = opener_();
    if (!opened.ok()) {
      absl::MutexLock lock(&mu_);
      --open_;
      slot_freed_.Signal();
      return opened.status();
    }
    connection = *std::move(opened);
  }
  return ConnectionLease(this, std::move(connection));
}

void ConnectionPool::Release(std::unique_ptr<PooledConnection> connection,
                             bool broken) {
  std::vector<std::unique_ptr<PooledConnection>> to_close;
  {
    absl::MutexLock lock(&mu_);
    if (broken) {
      to_close.swap(idle_);
      to_close.push_back(std::move(connection));
      open_ -= static_cast<int>(to_close.size());
      slot_freed_.SignalAll();
    } else {
      connection->set_last_used(absl::Now());
      idle_.push_back(std::move(connection));
      slot_freed_.Signal();
    }
  }
  // Closing talks to the server: done after the lock is released.
  to_close.clear();
}

int ConnectionPool::open_count() const {
  absl::MutexLock lock(&mu_);
  return open_;
}

int ConnectionPool::waiting_count() const {
  absl::MutexLock lock(&mu_);
  return waiting_;
}

common::AdmissionStats ConnectionPool::Stats() const {
  absl::MutexLock lock(&mu_);
  common::AdmissionStats stats;
  stats.capacity = max_size_;
  stats.in_use = open_ - static_cast<int>(idle_.size());
  stats.waiting = waiting_;
  stats.waited = waited_;
  stats.wait_time = wait_time_;
  stats.refused = refused_;
  return stats;
}

int ConnectionPool::idle_count() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int>(idle_.size());
}

}  // namespace miniter::storage::mysql
