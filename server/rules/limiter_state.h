// limiter_state.h: the interface of where the rate limits' state lives (the
// token buckets, the login backoff's failure counts and the memory of
// recognized logins), so that one server process can keep it in memory
// (LocalLimiterState) and a cluster can share it through the memory tier
// (server/storage/redis/redis_limiter_state.h) without the rules knowing
// which.
#ifndef MINITER_SERVER_RULES_LIMITER_STATE_H_
#define MINITER_SERVER_RULES_LIMITER_STATE_H_

#include <cstdint>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "server/rules/rate_limiter.h"

namespace miniter::rules {

// The token-bucket limits of RateLimitOptions, each with buckets of its own.
enum class Bucket {
  kSignupPerPeer,
  kLoginPerPeer,
  // Failed logins per e-mail (RateLimitOptions::login_per_email).
  kLoginFailuresPerEmail,
  kTweetPerPeer,
  kTweetPerAccount,
};
inline constexpr Bucket kAllBuckets[] = {
    Bucket::kSignupPerPeer, Bucket::kLoginPerPeer,
    Bucket::kLoginFailuresPerEmail, Bucket::kTweetPerPeer,
    Bucket::kTweetPerAccount};

// A short stable name per bucket (for keys and logs).
absl::string_view BucketName(Bucket bucket);
// The limit RateLimitOptions sets for `bucket`.
const RateLimit& LimitOf(const RateLimitOptions& options, Bucket bucket);

// Every method is thread-safe and always answers: an implementation whose
// store is unreachable answers from a fallback of its own (fail open, see
// RedisLimiterState), so a limit never fails a call for a reason of its
// own. Keys are opaque bytes chosen by the caller (an address, an e-mail,
// a pair of both); implementations may hash them. The limits themselves are
// the RateLimitOptions the implementation was built with.
class LimiterState {
 public:
  virtual ~LimiterState() = default;

  // Takes `cost` (>= 1, at most the limit's requests) tokens from `key`'s
  // bucket: zero when the call may go ahead, else how long until enough
  // tokens will be there (nothing taken). Always zero for a disabled limit.
  virtual absl::Duration Take(Bucket bucket, absl::string_view key,
                              std::int64_t cost) = 0;
  // Gives back `cost` tokens a Take took (up to the bucket's capacity).
  // Nothing when the bucket is full or forgotten.
  virtual void GiveBack(Bucket bucket, absl::string_view key,
                        std::int64_t cost) = 0;

  // The login backoff (RateLimitOptions::login_backoff_per_email_and_peer,
  // FailureBackoff's contract): zero, with the attempt counted as a
  // failure, when `key` may try now, else how long until it may.
  virtual absl::Duration CountFailure(absl::string_view key) = 0;
  // The attempt succeeded: `key`'s failures are forgotten.
  virtual void ForgetFailures(absl::string_view key) = 0;
  // Takes back the failure the last CountFailure counted.
  virtual void RefundFailure(absl::string_view key) = 0;

  // Logins that succeeded within RateLimitOptions::recognized_login_ttl
  // (RecentKeys's contract). Never recognized when the TTL is not positive.
  virtual void RememberLogin(absl::string_view key) = 0;
  virtual bool RecognizesLogin(absl::string_view key) = 0;
};

}  // namespace miniter::rules

#endif  // MINITER_SERVER_RULES_LIMITER_STATE_H_
