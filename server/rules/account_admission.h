// account_admission.h: fair admission per account: the calls of one
// signed-in account running at once may cost at most N units, so one
// account cannot occupy the database pool and the server's threads (issue
// 12: an account that keeps 64 expensive Timeline calls in flight starved
// everyone else). A call costs one unit; a read that goes the expensive
// way (a timeline page deep in history, served by the fallback query)
// raises its ticket to more units when storage is about to run it.
#ifndef MINITER_SERVER_RULES_ACCOUNT_ADMISSION_H_
#define MINITER_SERVER_RULES_ACCOUNT_ADMISSION_H_

#include <cstdint>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/storage/records.h"

namespace miniter::rules {

// Thread-safe. Memory is one map entry per account with calls in flight.
class AccountAdmission {
 public:
  // Holds the units of one call until destroyed. Move-only; one thread
  // uses a ticket at a time (the call's).
  class Ticket {
   public:
    Ticket() = default;
    Ticket(Ticket&& other) noexcept
        : owner_(other.owner_), account_(other.account_), units_(other.units_) {
      other.owner_ = nullptr;
    }
    Ticket& operator=(Ticket&& other) noexcept;
    Ticket(const Ticket&) = delete;
    Ticket& operator=(const Ticket&) = delete;
    ~Ticket();

    // Makes this call cost `units` (at most the account's budget, so an
    // account alone can always make one such call). OK when the call
    // already costs that much, or the account's other calls leave room;
    // otherwise RESOURCE_EXHAUSTED with the retry hint, and the call keeps
    // what it had. A default-constructed ticket (no limit) is always OK.
    absl::Status Raise(int units);

   private:
    friend class AccountAdmission;
    Ticket(AccountAdmission* owner, storage::UserId account)
        : owner_(owner), account_(account), units_(1) {}
    AccountAdmission* owner_ = nullptr;
    storage::UserId account_ = 0;
    int units_ = 0;
  };

  // `budget`: units the calls of one account may hold at once (a call is
  // one unit, so this is also the most calls at once); 0 admits everything
  // (no limit).
  explicit AccountAdmission(
      int budget, absl::Duration retry_after = absl::Milliseconds(100))
      : budget_(budget), retry_after_(retry_after) {}

  // A ticket of one unit for a call of `account`, or RESOURCE_EXHAUSTED
  // with a retry hint (server/common/retry_hint.h) when its calls already
  // hold the whole budget.
  absl::StatusOr<Ticket> Enter(storage::UserId account);

  // Units held by calls of `account` now (tests).
  int InFlight(storage::UserId account) const;

  // Calls refused since start (Enter, or a ticket's raise), for metrics.
  std::uint64_t refused() const;

 private:
  absl::Status Raise(storage::UserId account, int from, int to);
  void Leave(storage::UserId account, int units);

  const int budget_;
  const absl::Duration retry_after_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<storage::UserId, int> in_flight_ ABSL_GUARDED_BY(mu_);
  std::uint64_t refused_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace miniter::rules

#endif  // MINITER_SERVER_RULES_ACCOUNT_ADMISSION_H_
