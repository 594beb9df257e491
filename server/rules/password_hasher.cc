// password_hasher.cc: Argon2id through libsodium's crypto_pwhash_str API.
#include "server/rules/password_hasher.h"

#include <sodium.h>

#include <algorithm>
#include <cstdlib>

#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "server/common/call_deadline.h"
#include "server/common/retry_hint.h"

namespace miniter::rules {
int EffectiveMaxWaiting(const PasswordHasherOptions& options) {
  return options.max_waiting >= 0 ? options.max_waiting
                                  : 2 * std::max(1, options.max_concurrent);
}

int ConcurrentHashesWithin(std::uint64_t memory_budget_bytes,
                           std::size_t mem_limit_bytes, int cpus) {
  const std::uint64_t fit =
      memory_budget_bytes / std::max<std::uint64_t>(1, mem_limit_bytes);
  return static_cast<int>(std::max<std::uint64_t>(
      1, std::min<std::uint64_t>(fit, std::max(1, cpus))));
}

PasswordHasher::PasswordHasher(PasswordHasherOptions options)
    : options_(options),
      slots_(options.max_concurrent, EffectiveMaxWaiting(options),
             "sign-ups and logins") {
  // sodium_init is idempotent and thread-safe; it fails only when the
  // system has no usable randomness, where running would be unsafe anyway.
  if (sodium_init() < 0) std::abort();
  char hash[crypto_pwhash_STRBYTES];
  const char kDummyPassword[] = "miniter dummy password for timing";
  const absl::Time start = absl::Now();
  if (crypto_pwhash_str_alg(hash, kDummyPassword, sizeof kDummyPassword - 1,
                            options_.ops_limit, options_.mem_limit_bytes,
                            crypto_pwhash_ALG_ARGON2ID13) != 0) {
    std::abort();  // Out of memory at start-up: nothing sensible to do.
  }
  dummy_hash_ = hash;
  recent_hash_nanos_ = absl::ToInt64Nanoseconds(absl::Now() - start);
}

void PasswordHasher::Record(absl::Duration hash_time) {
  // An exponential moving average over about the last 8 hashes.
  const std::int64_t previous = recent_hash_nanos_.load();
  recent_hash_nanos_.store(
      previous + (absl::ToInt64Nanoseconds(hash_time) - previous) / 8);
}

absl::Duration PasswordHasher::retry_after() const {
  // A caller refused at a full queue finds room once the running hashes
  // and the waiting ones have had their turns; no longer than a waiter
  // would have waited.
  const absl::Duration one_hash = absl::Nanoseconds(recent_hash_nanos_.load());
  return absl::Ceil(
      std::min(one_hash * (1 + slots_.max_waiting() / slots_.max_running()),
               options_.max_wait),
      absl::Milliseconds(1));
}

absl::StatusOr<common::SlotPool::Slot> PasswordHasher::AcquireSlot() {
  // Waiting past the call's deadline would hold a server thread for a
  // client that has given up.
  const absl::Time call_deadline = common::CurrentCallDeadline();
  const absl::Duration time_left = call_deadline - absl::Now();
  if (time_left <= absl::ZeroDuration()) {
    return absl::DeadlineExceededError(
        "deadline passed before the password could be checked");
  }
  absl::StatusOr<common::SlotPool::Slot> slot =
      slots_.Acquire(std::min(options_.max_wait, time_left));
  if (!slot.ok()) {
    if (absl::Now() >= call_deadline) {
      return absl::DeadlineExceededError(
          "deadline passed while waiting to check the password");
    }
    return common::WithRetryAfter(slot.status(), retry_after());
  }
  return slot;
}

absl::StatusOr<std::string> PasswordHasher::Hash(absl::string_view password) {
  absl::StatusOr<common::SlotPool::Slot> slot = AcquireSlot();
  if (!slot.ok()) return slot.status();
  char hash[crypto_pwhash_STRBYTES];
  const absl::Time start = absl::Now();
  if (crypto_pwhash_str_alg(hash, password.data(), password.size(),
                            options_.ops_limit, options_.mem_limit_bytes,
                            crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return absl::InternalError("password hashing ran out of memory");
  }
  Record(absl::Now() - start);
  return std::string(hash);
}

absl::StatusOr<bool> PasswordHasher::Verify(absl::string_view hash,
                                            absl::string_view password) {
  // crypto_pwhash_str_verify wants a NUL-terminated hash.
  const std::string hash_string(hash);
  absl::StatusOr<common::SlotPool::Slot> slot = AcquireSlot();
  if (!slot.ok()) return slot.status();
  const absl::Time start = absl::Now();
  const bool matches =
      crypto_pwhash_str_verify(hash_string.c_str(), password.data(),
                               password.size()) == 0;
  Record(absl::Now() - start);
  return matches;
}

absl::Status PasswordHasher::VerifyAgainstDummy(absl::string_view password) {
  absl::StatusOr<bool> ignored = Verify(dummy_hash_, password);
  return ignored.status();
}

}  // namespace miniter::rules
