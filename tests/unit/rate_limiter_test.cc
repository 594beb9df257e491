// rate_limiter_test.cc: token buckets on an injected clock: burst, refill,
// the wait they report, independence of keys, the bounded key map, and the
// "N/DURATION" syntax of the flags.
#include "server/rules/rate_limiter.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace miniter::rules {
namespace {

class RateLimiterTest : public ::testing::Test {
 protected:
  RateLimiter Make(RateLimit limit, std::size_t max_keys = 1000) {
    return RateLimiter(limit, max_keys, [this] { return now_; });
  }
  absl::Time now_ = absl::FromUnixSeconds(1'800'000'000);
};

TEST_F(RateLimiterTest, AllowsABurstThenRefusesWithTheTimeToTheNextToken) {
  RateLimiter limiter = Make({3, absl::Seconds(3)});
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(limiter.Acquire("peer"), absl::ZeroDuration()) << i;
  }
  EXPECT_EQ(limiter.Acquire("peer"), absl::Seconds(1));
  now_ += absl::Milliseconds(400);
  EXPECT_EQ(limiter.Acquire("peer"), absl::Milliseconds(600));
  now_ += absl::Milliseconds(600);
  EXPECT_EQ(limiter.Acquire("peer"), absl::ZeroDuration());
  EXPECT_GT(limiter.Acquire("peer"), absl::ZeroDuration());
}

TEST_F(RateLimiterTest, RefillsUpToTheBurstOnly) {
  RateLimiter limiter = Make({2, absl::Seconds(1)});
  now_ += absl::Hours(1);
  EXPECT_EQ(limiter.Acquire("k"), absl::ZeroDuration());
  EXPECT_EQ(limiter.Acquire("k"), absl::ZeroDuration());
  EXPECT_GT(limiter.Acquire("k"), absl::ZeroDuration());
}

TEST_F(RateLimiterTest, KeysAreIndependent) {
  RateLimiter limiter = Make({1, absl::Minutes(1)});
  EXPECT_EQ(limiter.Acquire("a"), absl::ZeroDuration());
  EXPECT_GT(limiter.Acquire("a"), absl::ZeroDuration());
  EXPECT_EQ(limiter.Acquire("b"), absl::ZeroDuration());
}

TEST_F(RateLimiterTest, DisabledLimitAllowsEverythingAndTracksNothing) {
  RateLimiter limiter = Make(RateLimit{});
  for (int i = 0; i < 1000; ++i) {
    EXPECT_EQ(limiter.Acquire("k"), absl::ZeroDuration());
  }
  EXPECT_EQ(limiter.tracked_keys(), 0u);
}

TEST_F(RateLimiterTest, KeyMapStaysBoundedUnderAFloodOfDistinctKeys) {
  RateLimiter limiter = Make({5, absl::Minutes(1)}, 100);
  for (int i = 0; i < 10000; ++i) {
    limiter.Acquire(absl::StrCat("attacker-", i));
    ASSERT_LE(limiter.tracked_keys(), 100u);
  }
}

TEST_F(RateLimiterTest, EvictionPrefersIdleKeysSoActiveOnesStayLimited) {
  RateLimiter limiter = Make({1, absl::Minutes(1)}, 100);
  EXPECT_EQ(limiter.Acquire("busy"), absl::ZeroDuration());
  // 98 keys that refill completely (idle) before the map fills up.
  for (int i = 0; i < 98; ++i) limiter.Acquire(absl::StrCat("idle-", i));
  now_ += absl::Seconds(59);  // "busy" is still empty; the idle ones too
  EXPECT_GT(limiter.Acquire("busy"), absl::ZeroDuration());
  now_ += absl::Seconds(2);   // idle ones full again, "busy" too by now...
  EXPECT_EQ(limiter.Acquire("busy"), absl::ZeroDuration());  // ...used again
  for (int i = 0; i < 10; ++i) limiter.Acquire(absl::StrCat("new-", i));
  // The sweep dropped full (idle) buckets, not "busy", which stays empty.
  EXPECT_LT(limiter.tracked_keys(), 100u);
  EXPECT_GT(limiter.Acquire("busy"), absl::ZeroDuration());
}

TEST_F(RateLimiterTest, LongKeysThatShareAPrefixAreStillDistinct) {
  RateLimiter limiter = Make({1, absl::Minutes(1)});
  const std::string prefix(70000, 'k');
  EXPECT_EQ(limiter.Acquire(prefix + "a"), absl::ZeroDuration());
  EXPECT_GT(limiter.Acquire(prefix + "a"), absl::ZeroDuration());
  EXPECT_EQ(limiter.Acquire(prefix + "b"), absl::ZeroDuration());
}

TEST(ParseRateLimitTest, AcceptsCountSlashDurationAndOff) {
  absl::StatusOr<RateLimit> limit = ParseRateLimit("10/1m");
  ASSERT_TRUE(limit.ok()) << limit.status();
  EXPECT_EQ(limit->requests, 10);
  EXPECT_EQ(limit->period, absl::Minutes(1));
  EXPECT_EQ(FormatRateLimit(*limit), "10/1m");
  ASSERT_TRUE(ParseRateLimit(" 600/1h ").ok());
  EXPECT_FALSE(ParseRateLimit("off")->enabled());
  EXPECT_FALSE(ParseRateLimit("OFF")->enabled());
}

TEST(ParseRateLimitTest, RefusesEverythingElseNamingTheSyntax) {
  for (const char* bad : {"", "10", "10/", "/1m", "0/1m", "-1/1m", "10/0s",
                          "10/-1s", "10/inf", "ten/1m", "10/1 fortnight"}) {
    absl::StatusOr<RateLimit> limit = ParseRateLimit(bad);
    EXPECT_EQ(limit.status().code(), absl::StatusCode::kInvalidArgument)
        << bad;
    EXPECT_NE(limit.status().message().find("N/DURATION"), std::string::npos);
  }
}

}  // namespace
}  // namespace miniter::rules
