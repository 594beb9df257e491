// account_admission.cc: see the header.
#include "server/rules/account_admission.h"

#include <algorithm>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "server/common/retry_hint.h"

namespace miniter::rules {

AccountAdmission::Ticket& AccountAdmission::Ticket::operator=(
    Ticket&& other) noexcept {
  if (this != &other) {
    if (owner_ != nullptr) owner_->Leave(account_, units_);
    owner_ = other.owner_;
    account_ = other.account_;
    units_ = other.units_;
    other.owner_ = nullptr;
  }
  return *this;
}

AccountAdmission::Ticket::~Ticket() {
  if (owner_ != nullptr) owner_->Leave(account_, units_);
}

absl::Status AccountAdmission::Ticket::Raise(int units) {
  if (owner_ == nullptr) return absl::OkStatus();
  units = std::min(units, owner_->budget_);
  if (units <= units_) return absl::OkStatus();
  absl::Status raised = owner_->Raise(account_, units_, units);
  if (raised.ok()) units_ = units;
  return raised;
}

absl::StatusOr<AccountAdmission::Ticket> AccountAdmission::Enter(
    storage::UserId account) {
  if (budget_ <= 0) return Ticket();
  {
    absl::MutexLock lock(&mu_);
    int& held = in_flight_[account];
    if (held >= budget_) {
      ++refused_;
      return common::WithRetryAfter(
          absl::ResourceExhaustedError(
              absl::StrCat("too many calls of this account at once (at most ",
                           budget_, "); retry after the hinted delay")),
          retry_after_);
    }
    ++held;
  }
  return Ticket(this, account);
}

absl::Status AccountAdmission::Raise(storage::UserId account, int from,
                                     int to) {
  absl::MutexLock lock(&mu_);
  int& held = in_flight_[account];
  if (held - from + to > budget_) {
    ++refused_;
    return common::WithRetryAfter(
        absl::ResourceExhaustedError(absl::StrCat(
            "too many expensive calls of this account at once (a page deep "
            "in the timeline's history counts as ",
            to, " of the ", budget_,
            " calls an account may run at once); retry after the hinted "
            "delay")),
        retry_after_);
  }
  held += to - from;
  return absl::OkStatus();
}

void AccountAdmission::Leave(storage::UserId account, int units) {
  absl::MutexLock lock(&mu_);
  auto it = in_flight_.find(account);
  if (it == in_flight_.end()) return;
  it->second -= units;
  if (it->second <= 0) in_flight_.erase(it);
}

std::uint64_t AccountAdmission::refused() const {
  absl::MutexLock lock(&mu_);
  return refused_;
}

int AccountAdmission::InFlight(storage::UserId account) const {
  absl::MutexLock lock(&mu_);
  auto it = in_flight_.find(account);
  return it == in_flight_.end() ? 0 : it->second;
}

}  // namespace miniter::rules
