// local_limiter_state.cc: LimiterState on the in-process limiters of
// rate_limiter.h (see local_limiter_state.h).
#include "server/rules/local_limiter_state.h"

#include <cstddef>
#include <utility>

namespace miniter::rules {

absl::string_view BucketName(Bucket bucket) {
  switch (bucket) {
    case Bucket::kSignupPerPeer: return "signup_peer";
    case Bucket::kLoginPerPeer: return "login_peer";
    case Bucket::kLoginFailuresPerEmail: return "login_fail_email";
    case Bucket::kTweetPerPeer: return "tweet_peer";
    case Bucket::kTweetPerAccount: return "tweet_account";
  }
  return "unknown";
}

const RateLimit& LimitOf(const RateLimitOptions& options, Bucket bucket) {
  switch (bucket) {
    case Bucket::kSignupPerPeer: return options.signup_per_peer;
    case Bucket::kLoginPerPeer: return options.login_per_peer;
    case Bucket::kLoginFailuresPerEmail: return options.login_per_email;
    case Bucket::kTweetPerPeer: return options.tweet_per_peer;
    case Bucket::kTweetPerAccount: return options.tweet_per_account;
  }
  return options.signup_per_peer;  // unreachable: every enumerator is above
}

LocalLimiterState::LocalLimiterState(const RateLimitOptions& options,
                                     const std::function<absl::Time()>& clock)
    : login_backoff_(options.login_backoff_per_email_and_peer,
                     options.max_tracked_keys, clock),
      recognized_logins_(options.recognized_login_ttl, options.max_tracked_keys,
                         clock) {
  for (Bucket bucket : kAllBuckets) {
    buckets_.push_back(std::make_unique<RateLimiter>(
        LimitOf(options, bucket), options.max_tracked_keys, clock));
  }
}

RateLimiter& LocalLimiterState::LimiterOf(Bucket bucket) {
  return *buckets_[static_cast<std::size_t>(bucket)];
}

absl::Duration LocalLimiterState::Take(Bucket bucket, absl::string_view key,
                                       std::int64_t cost) {
  return LimiterOf(bucket).Acquire(key, cost);
}

void LocalLimiterState::GiveBack(Bucket bucket, absl::string_view key,
                                 std::int64_t cost) {
  LimiterOf(bucket).Refund(key, cost);
}

absl::Duration LocalLimiterState::CountFailure(absl::string_view key) {
  return login_backoff_.Acquire(key);
}

void LocalLimiterState::ForgetFailures(absl::string_view key) {
  login_backoff_.Reset(key);
}

void LocalLimiterState::RefundFailure(absl::string_view key) {
  login_backoff_.Refund(key);
}

void LocalLimiterState::RememberLogin(absl::string_view key) {
  recognized_logins_.Remember(key);
}

bool LocalLimiterState::RecognizesLogin(absl::string_view key) {
  return recognized_logins_.Contains(key);
}

}  // namespace miniter::rules
