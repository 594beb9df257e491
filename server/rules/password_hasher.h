// password_hasher.h: Argon2id password hashing (libsodium), with a bound on
// how many hashes run at once.
//
// Each Argon2id hash costs tens of milliseconds and tens of MiB by design.
// Unbounded, a burst of SignUp/Login calls would take every RPC thread and
// a lot of memory; with a bound, the excess waits briefly and then gets
// RESOURCE_EXHAUSTED while Tweet and Timeline keep flowing.
#ifndef MINITER_SERVER_RULES_PASSWORD_HASHER_H_
#define MINITER_SERVER_RULES_PASSWORD_HASHER_H_

#include <cstddef>
#include <string>
#include "absl/strings/string_view.h"

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace miniter::rules {

struct PasswordHasherOptions {
  // Argon2id passes and memory. The defaults are libsodium's INTERACTIVE
  // level (2 passes, 64 MiB), above OWASP's minimum (2 passes, 19 MiB).
  unsigned long long ops_limit = 2;
  std::size_t mem_limit_bytes = std::size_t{64} << 20;
  // Hashes allowed to run at the same time (memory: this x mem_limit).
  int max_concurrent = 2;
  // How long a call waits for a free slot before RESOURCE_EXHAUSTED.
  absl::Duration max_wait = absl::Seconds(3);
};

// Thread-safe.
class PasswordHasher {
 public:
  explicit PasswordHasher(PasswordHasherOptions options = {});

  // Returns a self-describing "$argon2id$..." string.
  // RESOURCE_EXHAUSTED when no slot frees up in time; INTERNAL if libsodium
  // fails (out of memory).
  absl::StatusOr<std::string> Hash(absl::string_view password);

  // True when `password` matches `hash`. RESOURCE_EXHAUSTED as for Hash.
  absl::StatusOr<bool> Verify(absl::string_view hash,
                              absl::string_view password);

  // Does the work of a failed Verify against a fixed hash, so that a login
  // for an unknown e-mail takes as long as one with a wrong password.
  absl::Status VerifyAgainstDummy(absl::string_view password);

 private:
  // RAII slot in the bounded pool of concurrent hashes.
  class Slot;
  absl::Status AcquireSlot();
  void ReleaseSlot();

  const PasswordHasherOptions options_;
  std::string dummy_hash_;
  absl::Mutex mutex_;
  int running_ ABSL_GUARDED_BY(mutex_) = 0;
};

}  // namespace miniter::rules

#endif  // MINITER_SERVER_RULES_PASSWORD_HASHER_H_
