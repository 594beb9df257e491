// local_limiter_state_test.cc: the per-process LimiterState gives each
// bucket of RateLimitOptions its own limit and keys, and passes the login
// backoff and the recognized logins through to FailureBackoff and
// RecentKeys (whose own behaviour rate_limiter_test.cc checks).
#include "server/rules/local_limiter_state.h"

#include "gtest/gtest.h"

namespace miniter::rules {
namespace {

class LocalLimiterStateTest : public ::testing::Test {
 protected:
  LocalLimiterStateTest() {
    options_.login_per_peer = {1, absl::Minutes(1)};
    options_.tweet_per_peer = {2, absl::Minutes(1)};
    options_.login_backoff_per_email_and_peer = {
        1, absl::Seconds(10), absl::Minutes(1), absl::Hours(1)};
    options_.recognized_login_ttl = absl::Hours(1);
  }
  LocalLimiterState Make() {
    return LocalLimiterState(options_, [this] { return now_; });
  }
  RateLimitOptions options_;
  absl::Time now_ = absl::FromUnixSeconds(1'800'000'000);
};

TEST_F(LocalLimiterStateTest, EachBucketHasItsOwnLimitAndKeys) {
  LocalLimiterState state = Make();
  EXPECT_EQ(state.Take(Bucket::kLoginPerPeer, "p", 1), absl::ZeroDuration());
  EXPECT_EQ(state.Take(Bucket::kLoginPerPeer, "p", 1), absl::Minutes(1));
  EXPECT_EQ(state.Take(Bucket::kTweetPerPeer, "p", 2), absl::ZeroDuration());
  EXPECT_GT(state.Take(Bucket::kTweetPerPeer, "p", 1), absl::ZeroDuration());
  state.GiveBack(Bucket::kLoginPerPeer, "p", 1);
  EXPECT_EQ(state.Take(Bucket::kLoginPerPeer, "p", 1), absl::ZeroDuration());
  // Off (the default): never refuses.
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(state.Take(Bucket::kSignupPerPeer, "p", 1), absl::ZeroDuration());
  }
  EXPECT_EQ(&LimitOf(options_, Bucket::kTweetPerPeer),
            &options_.tweet_per_peer);
}

TEST_F(LocalLimiterStateTest, BackoffAndRecognizedLogins) {
  LocalLimiterState state = Make();
  EXPECT_EQ(state.CountFailure("pair"), absl::ZeroDuration());
  EXPECT_EQ(state.CountFailure("pair"), absl::Seconds(10));
  state.ForgetFailures("pair");
  EXPECT_EQ(state.CountFailure("pair"), absl::ZeroDuration());
  state.RefundFailure("pair");
  EXPECT_EQ(state.CountFailure("pair"), absl::ZeroDuration());
  EXPECT_FALSE(state.RecognizesLogin("pair"));
  state.RememberLogin("pair");
  EXPECT_TRUE(state.RecognizesLogin("pair"));
  now_ += absl::Hours(1);
  EXPECT_FALSE(state.RecognizesLogin("pair"));
}

}  // namespace
}  // namespace miniter::rules
