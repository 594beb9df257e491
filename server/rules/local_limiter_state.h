// local_limiter_state.h: LimiterState in this process's memory (the
// RateLimiter, FailureBackoff and RecentKeys of rate_limiter.h): what a
// server without the memory tier uses, and what a shared state falls back
// to while the tier is down. Behind N servers a client gets up to N times
// as much through.
#ifndef MINITER_SERVER_RULES_LOCAL_LIMITER_STATE_H_
#define MINITER_SERVER_RULES_LOCAL_LIMITER_STATE_H_

#include <functional>
#include <memory>
#include <vector>

#include "server/rules/limiter_state.h"
#include "server/rules/rate_limiter.h"

namespace miniter::rules {

// Thread-safe. Each map holds at most RateLimitOptions::max_tracked_keys.
class LocalLimiterState : public LimiterState {
 public:
  explicit LocalLimiterState(
      const RateLimitOptions& options,
      const std::function<absl::Time()>& clock = [] { return absl::Now(); });

  absl::Duration Take(Bucket bucket, absl::string_view key,
                      std::int64_t cost) override;
  void GiveBack(Bucket bucket, absl::string_view key,
                std::int64_t cost) override;
  absl::Duration CountFailure(absl::string_view key) override;
  void ForgetFailures(absl::string_view key) override;
  void RefundFailure(absl::string_view key) override;
  void RememberLogin(absl::string_view key) override;
  bool RecognizesLogin(absl::string_view key) override;

 private:
  RateLimiter& LimiterOf(Bucket bucket);

  // One per Bucket, in kAllBuckets's order.
  std::vector<std::unique_ptr<RateLimiter>> buckets_;
  FailureBackoff login_backoff_;
  RecentKeys recognized_logins_;
};

}  // namespace miniter::rules

#endif  // MINITER_SERVER_RULES_LOCAL_LIMITER_STATE_H_
