// rate_limiter.h: token-bucket rate limits keyed by peer address, account or
// e-mail, growing delays after failed logins, and a memory of recent
// successful logins, each with a cap on how many keys are tracked so an
// attacker rotating keys cannot grow the server's memory without bound.
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

// Growing delays after failures of one key (a login's e-mail and address):
// `free_failures` in a row cost nothing, then each further failure must
// wait `first_delay` after the previous one, doubled per failure, at most
// `max_delay`. Never a hard lock: the owner waits at most `max_delay`.
// A key's failures are forgotten once more than `forget_after` has passed
// since its last one.
struct BackoffPolicy {
  // 0 means "off" (no delays, nothing tracked).
  std::int64_t free_failures = 0;
  absl::Duration first_delay = absl::Seconds(1);
  absl::Duration max_delay = absl::Minutes(5);
  absl::Duration forget_after = absl::Hours(1);

  bool enabled() const { return free_failures > 0; }
  // How long after the previous failure an attempt must wait when `failures`
  // have been counted (zero while they are free).
  absl::Duration DelayAfter(std::int64_t failures) const;
  // The most failures one key can collect within `window` (at most
  // `forget_after`; a fresh key trying the moment it is allowed is the worst
  // case). "At most N wrong passwords per hour" is MaxFailuresIn(1h).
  std::int64_t MaxFailuresIn(absl::Duration window) const;
};

// Parses "FREE,FIRST,MAX" or "FREE,FIRST,MAX,FORGET" (e.g. "5,1s,5m" or
// "5,1s,15m,1h"; durations in absl's syntax) or "off". FIRST <= MAX <=
// FORGET, all positive and finite. INVALID_ARGUMENT for anything else.
absl::StatusOr<BackoffPolicy> ParseBackoffPolicy(absl::string_view spec);

// The inverse of ParseBackoffPolicy (always with FORGET), for logs and docs.
std::string FormatBackoffPolicy(const BackoffPolicy& policy);

// The limits miniter applies (server/app/server_settings.cc has the flags
// and production defaults). Where their state lives is a LimiterState's
// business (limiter_state.h): per process, or shared by every server
// through the memory tier.
struct RateLimitOptions {
  RateLimit signup_per_peer;
  // Every login attempt from one address, right or wrong.
  RateLimit login_per_peer;
  // FAILED logins (wrong password or unknown e-mail) per case-folded e-mail
  // from addresses that have not logged into that account within
  // `recognized_login_ttl`, across all such addresses: this bounds online
  // guessing against one account no matter how many addresses the guesser
  // has. A bucket of failures: an attempt takes a token before the password
  // is checked and a correct password gives it back, so only failures use
  // the budget. While it is empty, logins for that e-mail from new
  // addresses get RESOURCE_EXHAUSTED (right password or not: answering a
  // right one differently would answer every guess); recognized addresses
  // are not affected, so a stranger cannot lock the owner out of the
  // places the owner logs in from.
  RateLimit login_per_email;
  // Growing delays after failed logins per (e-mail, address), recognized or
  // not: slows a guesser at one address, including one that shares an
  // address the owner used; a successful login from the pair clears it.
  BackoffPolicy login_backoff_per_email_and_peer;
  // How long a successful login makes its (e-mail, address) pair exempt
  // from `login_per_email`.
  absl::Duration recognized_login_ttl = absl::Hours(24 * 30);
  RateLimit tweet_per_peer;
  RateLimit tweet_per_account;
  // Calls of one signed-in account (all but WatchTimeline)
  // running at once; more get RESOURCE_EXHAUSTED with a retry hint
  // (AccountAdmission). 0: no limit.
  int max_calls_in_flight_per_account = 0;
  // How many of those places a Timeline page read the expensive way takes
  // (deep in history, below the home rows: storage asks through
  // TimelinePageQuery::admit_expensive_read). With 4 places and 3 here, an
  // account runs one deep read at a time, beside one other call. Capped at
  // max_calls_in_flight_per_account; 1: like any call.
  int deep_read_cost = 1;
  // Keys kept per limit (see RateLimiter, FailureBackoff, RecentKeys).
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
// map, the fullest of the others are dropped until it is three quarters
// full. Those keys start again with a full bucket, so under a flood of
// distinct keys the limit gets more lenient, never stricter, the keys
// closest to their limit (an account under attack) are forgotten last, and
// the work stays amortized O(1) per call.
class RateLimiter {
 public:
  RateLimiter(
      RateLimit limit, std::size_t max_keys,
      std::function<absl::Time()> clock = [] { return absl::Now(); });

  // Takes `cost` tokens (one by default) from `key`'s bucket. Returns zero
  // when the call may go ahead, else how long until enough tokens will be
  // available (nothing taken). Always zero when the limit is disabled.
  absl::Duration Acquire(absl::string_view key, std::int64_t cost = 1);

  // Gives back tokens Acquire took (up to the bucket's capacity), for a
  // call that turned out not to count (a login that succeeded). Nothing
  // when the key is no longer tracked.
  void Refund(absl::string_view key, std::int64_t cost = 1);

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

// BackoffPolicy applied to each key separately. Thread-safe.
//
// Acquire counts an attempt as a failure before its outcome is known, so
// that concurrent attempts cannot all slip through one free slot; the
// caller then calls Reset (success: the key starts afresh) or Refund (the
// attempt did not happen or failed for a reason not the client's). A refund
// lowers the count but not the time of the last attempt, so it never makes
// the next wait shorter than before the refunded attempt.
//
// Memory: at most `max_keys` keys. When full, forgotten keys are dropped
// first, then those with the fewest failures (they lose the least) until
// three quarters of `max_keys` are left, so a flood of distinct keys cannot
// erase the delays of a key under attack while fewer than that many keys
// have at least as many failures as it.
class FailureBackoff {
 public:
  FailureBackoff(
      BackoffPolicy policy, std::size_t max_keys,
      std::function<absl::Time()> clock = [] { return absl::Now(); });

  // Zero, with the attempt counted as a failure, when `key` may try now;
  // else how long until it may (nothing counted). Always zero when off.
  absl::Duration Acquire(absl::string_view key);
  // The attempt succeeded: forgets `key`'s failures.
  void Reset(absl::string_view key);
  // Takes back the failure the last Acquire counted (see above).
  void Refund(absl::string_view key);

  std::size_t tracked_keys() const;
  const BackoffPolicy& policy() const { return policy_; }

 private:
  struct Failures {
    std::int64_t count = 0;
    absl::Time last;
  };

  void MakeRoom(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);

  const BackoffPolicy policy_;
  const std::size_t max_keys_;
  const std::function<absl::Time()> clock_;
  mutable absl::Mutex mutex_;
  absl::flat_hash_map<std::string, Failures> keys_ ABSL_GUARDED_BY(mutex_);
};

// Keys seen within `ttl` (e.g. (e-mail, address) pairs that logged in
// successfully). Thread-safe.
//
// Memory: at most `max_keys`. When full, expired keys go first, then the
// oldest; a key forgotten early only loses its exemption, so the owner of
// a forgotten pair is treated like anyone else, never worse.
class RecentKeys {
 public:
  RecentKeys(
      absl::Duration ttl, std::size_t max_keys,
      std::function<absl::Time()> clock = [] { return absl::Now(); });

  // Remembers `key` as seen now. Nothing when `ttl` is not positive.
  void Remember(absl::string_view key);
  // True when `key` was remembered within the last `ttl`.
  bool Contains(absl::string_view key) const;

  std::size_t tracked_keys() const;

 private:
  void MakeRoom(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);

  const absl::Duration ttl_;
  const std::size_t max_keys_;
  const std::function<absl::Time()> clock_;
  mutable absl::Mutex mutex_;
  absl::flat_hash_map<std::string, absl::Time> seen_ ABSL_GUARDED_BY(mutex_);
};

}  // namespace miniter::rules

#endif  // MINITER_SERVER_RULES_RATE_LIMITER_H_
