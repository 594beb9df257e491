// account_admission.cc: see the header.
#include "server/rules/account_admission.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "server/common/retry_hint.h"

namespace miniter::rules {

AccountAdmission::Ticket& AccountAdmission::Ticket::operator=(
    Ticket&& other) noexcept {
  if (this != &other) {
    if (owner_ != nullptr) owner_->Leave(account_);
    owner_ = other.owner_;
    account_ = other.account_;
    other.owner_ = nullptr;
  }
  return *this;
}

AccountAdmission::Ticket::~Ticket() {
  if (owner_ != nullptr) owner_->Leave(account_);
}

absl::StatusOr<AccountAdmission::Ticket> AccountAdmission::Enter(
    storage::UserId account) {
  if (max_in_flight_ <= 0) return Ticket();
  {
    absl::MutexLock lock(&mu_);
    int& running = in_flight_[account];
    if (running >= max_in_flight_) {
      return common::WithRetryAfter(
          absl::ResourceExhaustedError(absl::StrCat(
              "too many calls of this account at once (at most ",
              max_in_flight_, "); retry after the hinted delay")),
          retry_after_);
    }
    ++running;
  }
  return Ticket(this, account);
}

void AccountAdmission::Leave(storage::UserId account) {
  absl::MutexLock lock(&mu_);
  auto it = in_flight_.find(account);
  if (it == in_flight_.end()) return;
  if (--it->second <= 0) in_flight_.erase(it);
}

int AccountAdmission::InFlight(storage::UserId account) const {
  absl::MutexLock lock(&mu_);
  auto it = in_flight_.find(account);
  return it == in_flight_.end() ? 0 : it->second;
}

}  // namespace miniter::rules
