// rate_limiter.h: token-bucket rate limits keyed by peer address, account or
// e-mail, with a cap on how many keys are tracked so an attacker rotating
// keys cannot grow the server's memory without bound.
#ifndef MINITER_SERVER_RULES_RATE_LIMITER_H_
#define MINITER_SERVER_RULES_RATE_LIMITER_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace miniter::rules {

// `requests` per `period`, allowed in a burst of up to `requests` as well:
// the bucket holds `requests` tokens and refills at requests/period.
// requests == 0 means "no limit".
struct RateLimit {
  std::int64_t requests = 0;
  absl::Duration period = absl::Minutes(1);

  bool enabled() const { return requests > 0; }
};

// The limits miniter applies (server/app/server_options.cc has the flags
// and production defaults). Each is per server process: behind N servers a
// client can get up to N times as much through.
struct RateLimitOptions {
  RateLimit signup_per_peer;
  RateLimit login_per_peer;
  // Keyed by the case-folded e-mail: slows password guessing against one
  // account from many addresses.
  RateLimit login_per_email;
  RateLimit tweet_per_peer;
  RateLimit tweet_per_account;
  // Buckets kept per limit (see RateLimiter).
  std::size_t max_tracked_keys = 100000;
};

// Parses "N/DURATION" (e.g. "10/1m", "600/1h", "5/1s") or "off". The
// duration is absl's syntax. INVALID_ARGUMENT for anything else.
absl::StatusOr<RateLimit> ParseRateLimit(absl::string_view spec);

// The inverse of ParseRateLimit ("off" or "N/DURATION"), for logs and docs.
std::string FormatRateLimit(const RateLimit& limit);

// One limit applied separately to each key (a peer address, a user id, an
// e-mail). Thread-safe.
//
// Memory: at most `max_keys` buckets. When a new key arrives and the map is
// full, buckets that have refilled completely (idle keys: forgetting them
// changes nothing) are dropped; if that frees less than a quarter of the
// map, arbitrary buckets are dropped until it is three quarters full. Those
// keys start again with a full bucket, so under a flood of distinct keys the
// limit gets more lenient, never stricter, and the work stays amortized
// O(1) per call.
class RateLimiter {
 public:
  RateLimiter(RateLimit limit, std::size_t max_keys,
              std::function<absl::Time()> clock = [] { return absl::Now(); });

  // Takes one token from `key`'s bucket. Returns zero when the call may go
  // ahead, else how long until a token will be available (nothing taken).
  // Always zero when the limit is disabled.
  absl::Duration Acquire(absl::string_view key);

  std::size_t tracked_keys() const;

  // Longer keys are kept as this many bytes plus a hash of the whole key.
  static constexpr std::size_t kMaxKeyBytes = 128;
  const RateLimit& limit() const { return limit_; }

 private:
  struct Bucket {
    double tokens = 0;
    absl::Time updated;
  };

  // Adds what `bucket` earned since it was last updated, up to capacity.
  void Refill(Bucket& bucket, absl::Time now) const;
  void MakeRoom(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);

  const RateLimit limit_;
  const std::size_t max_keys_;
  const std::function<absl::Time()> clock_;
  mutable absl::Mutex mutex_;
  absl::flat_hash_map<std::string, Bucket> buckets_ ABSL_GUARDED_BY(mutex_);
};

}  // namespace miniter::rules

#endif  // MINITER_SERVER_RULES_RATE_LIMITER_H_
