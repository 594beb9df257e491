// slot_pool.cc: bounded running and bounded waiting.
#include "server/common/slot_pool.h"

#include <algorithm>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace miniter::common {

SlotPool::Slot& SlotPool::Slot::operator=(Slot&& other) noexcept {
  if (this != &other) {
    if (pool_ != nullptr) pool_->Release();
    pool_ = other.pool_;
    other.pool_ = nullptr;
  }
  return *this;
}

SlotPool::Slot::~Slot() {
  if (pool_ != nullptr) pool_->Release();
}

SlotPool::SlotPool(int max_running, int max_waiting, std::string what)
    : max_running_(std::max(1, max_running)),
      max_waiting_(std::max(0, max_waiting)),
      what_(std::move(what)) {}

absl::StatusOr<SlotPool::Slot> SlotPool::Acquire(absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  auto slot_free = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return running_ < max_running_;
  };
  if (!slot_free()) {
    if (waiting_ >= max_waiting_) {
      ++refused_;
      return absl::ResourceExhaustedError(
          absl::StrCat("server busy: ", max_running_, " ", what_,
                       " running and ", waiting_, " more waiting"));
    }
    ++waiting_;
    const absl::Time wait_began = absl::Now();
    const bool got_one =
        mu_.AwaitWithTimeout(absl::Condition(&slot_free), timeout);
    --waiting_;
    ++waited_;
    wait_time_ += absl::Now() - wait_began;
    if (!got_one) {
      ++refused_;
      return absl::ResourceExhaustedError(
          absl::StrCat("server busy: no room for more ", what_, " within ",
                       absl::FormatDuration(timeout)));
    }
  }
  ++running_;
  return Slot(this);
}

void SlotPool::Release() {
  absl::MutexLock lock(&mu_);
  --running_;
}

int SlotPool::running() const {
  absl::MutexLock lock(&mu_);
  return running_;
}

int SlotPool::waiting() const {
  absl::MutexLock lock(&mu_);
  return waiting_;
}

AdmissionStats SlotPool::Stats() const {
  absl::MutexLock lock(&mu_);
  AdmissionStats stats;
  stats.capacity = max_running_;
  stats.in_use = running_;
  stats.waiting = waiting_;
  stats.waited = waited_;
  stats.wait_time = wait_time_;
  stats.refused = refused_;
  return stats;
}

}  // namespace miniter::common
