// password_hasher.h: Argon2id password hashing (libsodium), with a bound on
// how many hashes run at once and on how many calls wait for one.
//
// Each Argon2id hash costs tens of milliseconds and tens of MiB by design.
// Unbounded, a burst of SignUp/Login calls would take every RPC thread and
// a lot of memory; with the bounds, memory stays within max_concurrent x
// mem_limit, at most max_concurrent + max_waiting server threads are ever
// busy with passwords, and the excess gets RESOURCE_EXHAUSTED with a retry
// hint while Tweet and Timeline keep flowing.
#ifndef MINITER_SERVER_RULES_PASSWORD_HASHER_H_
#define MINITER_SERVER_RULES_PASSWORD_HASHER_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "server/common/slot_pool.h"

namespace miniter::rules {

struct PasswordHasherOptions {
  // Argon2id passes and memory. The defaults are libsodium's INTERACTIVE
  // level (2 passes, 64 MiB), above OWASP's minimum (2 passes, 19 MiB).
  unsigned long long ops_limit = 2;
  std::size_t mem_limit_bytes = std::size_t{64} << 20;
  // Hashes allowed to run at the same time (memory: this x mem_limit). The
  // server sizes it from --password_hash_memory (ConcurrentHashesWithin).
  int max_concurrent = 2;
  // Calls that may wait for a free slot; the next is refused at once.
  // < 0: 2 x max_concurrent (EffectiveMaxWaiting).
  int max_waiting = -1;
  // How long a call waits for a free slot (never past its own deadline)
  // before RESOURCE_EXHAUSTED.
  absl::Duration max_wait = absl::Seconds(3);
};

// options.max_waiting, or its default when negative.
int EffectiveMaxWaiting(const PasswordHasherOptions& options);

// How many hashes of `mem_limit_bytes` each fit in `memory_budget_bytes`:
// at least 1 (a budget below one hash still lets people sign up, one at a
// time), and at most `cpus`, since each hash keeps one CPU busy and more
// would only wait for the scheduler while holding their memory.
int ConcurrentHashesWithin(std::uint64_t memory_budget_bytes,
                           std::size_t mem_limit_bytes, int cpus);

// Thread-safe.
class PasswordHasher {
 public:
  // Hashes once at construction (the dummy hash, which also measures how
  // long a hash takes for the retry hint); aborts if libsodium cannot
  // start or that hash runs out of memory.
  explicit PasswordHasher(PasswordHasherOptions options = {});

  // Returns a self-describing "$argon2id$..." string.
  // RESOURCE_EXHAUSTED with a retry hint (server/common/retry_hint.h) when
  // max_waiting calls already wait for a slot (at once) or no slot frees
  // up within max_wait; DEADLINE_EXCEEDED when the current call's deadline
  // (server/common/call_deadline.h) passes first; INTERNAL if libsodium
  // fails (out of memory).
  absl::StatusOr<std::string> Hash(absl::string_view password);

  // True when `password` matches `hash`. Errors as for Hash.
  absl::StatusOr<bool> Verify(absl::string_view hash,
                              absl::string_view password);

  // Does the work of a failed Verify against a fixed hash, so that a login
  // for an unknown e-mail takes as long as one with a wrong password.
  absl::Status VerifyAgainstDummy(absl::string_view password);

  int max_concurrent() const { return slots_.max_running(); }
  int max_waiting() const { return slots_.max_waiting(); }
  // The hash slots and their queue now, for metrics. Thread-safe.
  common::AdmissionStats QueueStats() const { return slots_.Stats(); }
  // The delay refused callers are told to wait now: about the time the
  // full queue takes to drain (the running hashes and the waiting ones, at
  // the recent time per hash), at most max_wait, in whole milliseconds.
  absl::Duration retry_after() const;

 private:
  absl::StatusOr<common::SlotPool::Slot> AcquireSlot();
  // Folds one hash's duration into the recent average.
  void Record(absl::Duration hash_time);

  const PasswordHasherOptions options_;
  std::string dummy_hash_;
  common::SlotPool slots_;
  // Moving average of recent hashes' durations, in nanoseconds; it follows
  // the machine's load. Updates that race may lose one sample: it is only
  // a hint.
  std::atomic<std::int64_t> recent_hash_nanos_{0};
};

}  // namespace miniter::rules

#endif  // MINITER_SERVER_RULES_PASSWORD_HASHER_H_
