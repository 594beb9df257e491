// slot_pool.h: admission for expensive work on server threads: at most N
// callers hold a slot at once, at most M more wait for one (each for a
// bounded time), and any further caller is refused at once. So the work
// can never hold more than N + M server threads, however many calls come.
#ifndef MINITER_SERVER_COMMON_SLOT_POOL_H_
#define MINITER_SERVER_COMMON_SLOT_POOL_H_

#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/common/admission_stats.h"

namespace miniter::common {

// Thread-safe. A slot freed while callers wait goes to one of them, or to
// a caller arriving at that moment (no strict FIFO: the bounds are what
// matter here, and every waiter's wait is bounded anyway).
class SlotPool {
 public:
  // Holds one slot until destroyed. Move-only.
  class Slot {
   public:
    Slot(Slot&& other) noexcept : pool_(other.pool_) { other.pool_ = nullptr; }
    Slot& operator=(Slot&& other) noexcept;
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;
    ~Slot();

   private:
    friend class SlotPool;
    explicit Slot(SlotPool* pool) : pool_(pool) {}
    SlotPool* pool_;
  };

  // `max_running` < 1 counts as 1; `max_waiting` < 0 as 0. `what` names
  // the work in refusals, e.g. "password hashes".
  SlotPool(int max_running, int max_waiting, std::string what);
  SlotPool(const SlotPool&) = delete;
  SlotPool& operator=(const SlotPool&) = delete;

  // A slot: at once when one is free; else, if fewer than max_waiting
  // callers are waiting, after waiting up to `timeout` for one.
  // RESOURCE_EXHAUSTED "server busy: ..." at once when max_waiting callers
  // already wait, or when no slot frees up within `timeout`. The caller
  // adds any retry hint: it knows how long its work takes.
  absl::StatusOr<Slot> Acquire(absl::Duration timeout);

  int max_running() const { return max_running_; }
  int max_waiting() const { return max_waiting_; }
  // Now; for tests and metrics.
  int running() const;
  int waiting() const;
  // For metrics (admission_stats.h); takes the lock briefly.
  AdmissionStats Stats() const;

 private:
  void Release();

  const int max_running_;
  const int max_waiting_;
  const std::string what_;
  mutable absl::Mutex mu_;
  int running_ ABSL_GUARDED_BY(mu_) = 0;
  int waiting_ ABSL_GUARDED_BY(mu_) = 0;
  std::uint64_t waited_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Duration wait_time_ ABSL_GUARDED_BY(mu_);
  std::uint64_t refused_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace miniter::common

#endif  // MINITER_SERVER_COMMON_SLOT_POOL_H_
