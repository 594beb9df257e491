// account_admission.h: fair admission per account: at most N calls of one
// signed-in account run at once, so one account cannot occupy the
// database pool and the server's threads (issue 12: an account that keeps
// 64 expensive Timeline calls in flight starved everyone else).
#ifndef MINITER_SERVER_RULES_ACCOUNT_ADMISSION_H_
#define MINITER_SERVER_RULES_ACCOUNT_ADMISSION_H_

#include <cstdint>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/storage/records.h"

namespace miniter::rules {

// Thread-safe. Memory is one map entry per account with calls in flight.
class AccountAdmission {
 public:
  // Holds one of the account's places until destroyed. Move-only.
  class Ticket {
   public:
    Ticket() = default;
    Ticket(Ticket&& other) noexcept
        : owner_(other.owner_), account_(other.account_) {
      other.owner_ = nullptr;
    }
    Ticket& operator=(Ticket&& other) noexcept;
    Ticket(const Ticket&) = delete;
    Ticket& operator=(const Ticket&) = delete;
    ~Ticket();

   private:
    friend class AccountAdmission;
    Ticket(AccountAdmission* owner, storage::UserId account)
        : owner_(owner), account_(account) {}
    AccountAdmission* owner_ = nullptr;
    storage::UserId account_ = 0;
  };

  // `max_in_flight` 0 admits everything (no limit).
  explicit AccountAdmission(int max_in_flight,
                            absl::Duration retry_after = absl::Milliseconds(100))
      : max_in_flight_(max_in_flight), retry_after_(retry_after) {}

  // A place for one call of `account`, or RESOURCE_EXHAUSTED with a retry
  // hint (server/common/retry_hint.h) when it already has max_in_flight
  // calls running.
  absl::StatusOr<Ticket> Enter(storage::UserId account);

  // Calls of `account` running now (tests).
  int InFlight(storage::UserId account) const;

 private:
  void Leave(storage::UserId account);

  const int max_in_flight_;
  const absl::Duration retry_after_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<storage::UserId, int> in_flight_ ABSL_GUARDED_BY(mu_);
};

}  // namespace miniter::rules

#endif  // MINITER_SERVER_RULES_ACCOUNT_ADMISSION_H_
