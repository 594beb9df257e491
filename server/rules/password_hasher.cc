// password_hasher.cc: Argon2id through libsodium's crypto_pwhash_str API.
#include "server/rules/password_hasher.h"

#include <sodium.h>

#include <cstdlib>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace miniter::rules {

PasswordHasher::PasswordHasher(PasswordHasherOptions options)
    : options_(options) {
  // sodium_init is idempotent and thread-safe; it fails only when the
  // system has no usable randomness, where running would be unsafe anyway.
  if (sodium_init() < 0) std::abort();
  char hash[crypto_pwhash_STRBYTES];
  const char kDummyPassword[] = "miniter dummy password for timing";
  if (crypto_pwhash_str_alg(hash, kDummyPassword, sizeof kDummyPassword - 1,
                            options_.ops_limit, options_.mem_limit_bytes,
                            crypto_pwhash_ALG_ARGON2ID13) != 0) {
    std::abort();  // Out of memory at start-up: nothing sensible to do.
  }
  dummy_hash_ = hash;
}

absl::Status PasswordHasher::AcquireSlot() {
  absl::MutexLock lock(&mutex_);
  auto slot_free = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) {
    return running_ < options_.max_concurrent;
  };
  if (!mutex_.AwaitWithTimeout(absl::Condition(&slot_free),
                               options_.max_wait)) {
    return absl::ResourceExhaustedError(
        "too many sign-ups and logins at once; retry in a few seconds");
  }
  ++running_;
  return absl::OkStatus();
}

void PasswordHasher::ReleaseSlot() {
  absl::MutexLock lock(&mutex_);
  --running_;
}

class PasswordHasher::Slot {
 public:
  explicit Slot(PasswordHasher* hasher)
      : hasher_(hasher), status_(hasher->AcquireSlot()) {}
  ~Slot() {
    if (status_.ok()) hasher_->ReleaseSlot();
  }
  Slot(const Slot&) = delete;
  Slot& operator=(const Slot&) = delete;
  const absl::Status& status() const { return status_; }

 private:
  PasswordHasher* hasher_;
  absl::Status status_;
};

absl::StatusOr<std::string> PasswordHasher::Hash(absl::string_view password) {
  Slot slot(this);
  if (!slot.status().ok()) return slot.status();
  char hash[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(hash, password.data(), password.size(),
                            options_.ops_limit, options_.mem_limit_bytes,
                            crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return absl::InternalError("password hashing ran out of memory");
  }
  return std::string(hash);
}

absl::StatusOr<bool> PasswordHasher::Verify(absl::string_view hash,
                                            absl::string_view password) {
  // crypto_pwhash_str_verify wants a NUL-terminated hash.
  const std::string hash_string(hash);
  Slot slot(this);
  if (!slot.status().ok()) return slot.status();
  return crypto_pwhash_str_verify(hash_string.c_str(), password.data(),
                                  password.size()) == 0;
}

absl::Status PasswordHasher::VerifyAgainstDummy(absl::string_view password) {
  absl::StatusOr<bool> ignored = Verify(dummy_hash_, password);
  return ignored.status();
}

}  // namespace miniter::rules
