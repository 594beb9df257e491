// rate_limiter_test.cc: token buckets on an injected clock: burst, refill,
// the wait they report, refunds, independence of keys, the bounded key map,
// and the "N/DURATION" syntax of the flags; the growing delays of
// FailureBackoff and its bound; the memory of RecentKeys.
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
  now_ += absl::Seconds(2);  // idle ones full again, "busy" too by now...
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
    EXPECT_EQ(limit.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(limit.status().message().find("N/DURATION"), std::string::npos);
  }
}

TEST_F(RateLimiterTest, WaitingExactlyTheHintAlwaysTakesAToken) {
  // 10/1h refills in sixths of a token per minute: after 1 + 5 minutes
  // the sum is 0.99999999999... in floating point. That must count as the
  // token the client was told to wait for, and the next call must wait
  // again: a wait that rounded to zero once let every call through free.
  RateLimiter limiter = Make({10, absl::Hours(1)});
  for (int i = 0; i < 10; ++i) limiter.Acquire("k");
  now_ += absl::Minutes(6);
  EXPECT_EQ(limiter.Acquire("k"), absl::ZeroDuration());
  now_ += absl::Minutes(1);
  const absl::Duration wait = limiter.Acquire("k");
  EXPECT_EQ(wait, absl::Minutes(5));
  now_ += wait;
  EXPECT_EQ(limiter.Acquire("k"), absl::ZeroDuration());
  for (int i = 0; i < 100; ++i) {
    EXPECT_GT(limiter.Acquire("k"), absl::ZeroDuration()) << i;
  }
}

TEST_F(RateLimiterTest, RefundGivesATokenBackUpToCapacity) {
  RateLimiter limiter = Make({2, absl::Minutes(1)});
  EXPECT_EQ(limiter.Acquire("k"), absl::ZeroDuration());
  EXPECT_EQ(limiter.Acquire("k"), absl::ZeroDuration());
  EXPECT_GT(limiter.Acquire("k"), absl::ZeroDuration());
  limiter.Refund("k");
  EXPECT_EQ(limiter.Acquire("k"), absl::ZeroDuration());
  EXPECT_GT(limiter.Acquire("k"), absl::ZeroDuration());
  // Never beyond the burst.
  for (int i = 0; i < 5; ++i) limiter.Refund("k");
  EXPECT_EQ(limiter.Acquire("k"), absl::ZeroDuration());
  EXPECT_EQ(limiter.Acquire("k"), absl::ZeroDuration());
  EXPECT_GT(limiter.Acquire("k"), absl::ZeroDuration());
  limiter.Refund("unknown");  // nothing to give back
  EXPECT_EQ(limiter.tracked_keys(), 1u);
}

TEST_F(RateLimiterTest, ACostTakesAndGivesBackSeveralTokens) {
  RateLimiter limiter = Make({4, absl::Seconds(4)});
  EXPECT_EQ(limiter.Acquire("k", 3), absl::ZeroDuration());
  // One token left: two more are two seconds away; nothing is taken.
  EXPECT_EQ(limiter.Acquire("k", 3), absl::Seconds(2));
  limiter.Refund("k", 2);
  EXPECT_EQ(limiter.Acquire("k", 3), absl::ZeroDuration());
  EXPECT_GT(limiter.Acquire("k", 1), absl::ZeroDuration());
}

TEST_F(RateLimiterTest, FloodKeepsTheEmptiestBuckets) {
  // A key near its limit (an account under attack) survives a flood of
  // fresh keys that each used one token.
  RateLimiter limiter = Make({10, absl::Hours(1)}, 100);
  for (int i = 0; i < 10; ++i) limiter.Acquire("victim");
  for (int i = 0; i < 1000; ++i) limiter.Acquire(absl::StrCat("flood-", i));
  EXPECT_GT(limiter.Acquire("victim"), absl::ZeroDuration());
}

class FailureBackoffTest : public ::testing::Test {
 protected:
  FailureBackoff Make(BackoffPolicy policy, std::size_t max_keys = 1000) {
    return FailureBackoff(policy, max_keys, [this] { return now_; });
  }
  absl::Time now_ = absl::FromUnixSeconds(1'800'000'000);
  // 3 free failures, then 1s, 2s, 4s, 8s, 8s...; forgotten after 1 min.
  const BackoffPolicy policy_{3, absl::Seconds(1), absl::Seconds(8),
                              absl::Minutes(1)};
};

TEST_F(FailureBackoffTest, FreeFailuresThenDoublingDelaysUpToTheCap) {
  FailureBackoff backoff = Make(policy_);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(backoff.Acquire("k"), absl::ZeroDuration()) << i;
  }
  for (absl::Duration delay :
       {absl::Seconds(1), absl::Seconds(2), absl::Seconds(4), absl::Seconds(8),
        absl::Seconds(8)}) {
    EXPECT_EQ(backoff.Acquire("k"), delay);
    now_ += delay - absl::Milliseconds(1);
    EXPECT_EQ(backoff.Acquire("k"), absl::Milliseconds(1));
    now_ += absl::Milliseconds(1);
    EXPECT_EQ(backoff.Acquire("k"), absl::ZeroDuration());
  }
  EXPECT_EQ(backoff.Acquire("other"), absl::ZeroDuration());
}

TEST_F(FailureBackoffTest, ResetForgetsAndRefundNeverShortensTheWait) {
  FailureBackoff backoff = Make(policy_);
  for (int i = 0; i < 4; ++i) {
    now_ += absl::Seconds(1);
    ASSERT_EQ(backoff.Acquire("k"), absl::ZeroDuration()) << i;
  }
  EXPECT_EQ(backoff.Acquire("k"), absl::Seconds(2));
  // Refunding the last attempt lowers the count (1s instead of 2s), but
  // counts the wait from that attempt, so nothing is allowed earlier.
  backoff.Refund("k");
  EXPECT_EQ(backoff.Acquire("k"), absl::Seconds(1));
  backoff.Reset("k");
  EXPECT_EQ(backoff.Acquire("k"), absl::ZeroDuration());
  EXPECT_EQ(backoff.tracked_keys(), 1u);
}

TEST_F(FailureBackoffTest, FailuresAreForgottenAfterAQuietPeriod) {
  FailureBackoff backoff = Make(policy_);
  for (int i = 0; i < 3; ++i) backoff.Acquire("k");
  EXPECT_GT(backoff.Acquire("k"), absl::ZeroDuration());
  now_ += absl::Minutes(1);
  EXPECT_EQ(backoff.Acquire("k"), absl::ZeroDuration());  // the 4th, at 1s
  now_ += absl::Minutes(1) + absl::Seconds(1);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(backoff.Acquire("k"), absl::ZeroDuration()) << i;
  }
}

TEST_F(FailureBackoffTest, OffAllowsEverythingAndTracksNothing) {
  FailureBackoff backoff = Make(BackoffPolicy{});
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(backoff.Acquire("k"), absl::ZeroDuration());
  }
  EXPECT_EQ(backoff.tracked_keys(), 0u);
}

TEST_F(FailureBackoffTest, MaxFailuresInIsWhatAnEagerKeyGets) {
  // 3 at once, then at 1, 3, 7, 15, 23, ... seconds.
  EXPECT_EQ(policy_.MaxFailuresIn(absl::ZeroDuration()), 3);
  EXPECT_EQ(policy_.MaxFailuresIn(absl::Seconds(15)), 7);
  EXPECT_EQ(policy_.MaxFailuresIn(absl::Seconds(22)), 7);
  EXPECT_EQ(policy_.MaxFailuresIn(absl::Seconds(23)), 8);
  // Simulate the eager key on the clock and compare.
  FailureBackoff backoff = Make(policy_);
  const absl::Time start = now_;
  int failures = 0;
  while (now_ - start <= absl::Minutes(1)) {
    const absl::Duration wait = backoff.Acquire("k");
    if (wait == absl::ZeroDuration()) {
      ++failures;
    } else {
      now_ += wait;
    }
  }
  EXPECT_EQ(failures, policy_.MaxFailuresIn(absl::Minutes(1)));
  // The production default the docs state: 24 wrong passwords in the first
  // hour per (e-mail, address), then 12 an hour.
  const BackoffPolicy production{5, absl::Seconds(1), absl::Minutes(5),
                                 absl::Hours(1)};
  EXPECT_EQ(production.MaxFailuresIn(absl::Hours(1)), 24);
}

TEST_F(FailureBackoffTest, FloodOfDistinctKeysKeepsTheKeyUnderAttack) {
  FailureBackoff backoff = Make(policy_, 100);
  for (int i = 0; i < 5; ++i) {
    now_ += absl::Seconds(10);
    ASSERT_EQ(backoff.Acquire("victim"), absl::ZeroDuration());
  }
  for (int i = 0; i < 10000; ++i) {
    backoff.Acquire(absl::StrCat("flood-", i));
    ASSERT_LE(backoff.tracked_keys(), 100u);
  }
  EXPECT_GT(backoff.Acquire("victim"), absl::ZeroDuration());
}

TEST(ParseBackoffPolicyTest, AcceptsFreeFirstMaxForgetAndOff) {
  absl::StatusOr<BackoffPolicy> policy = ParseBackoffPolicy("5,1s,5m");
  ASSERT_TRUE(policy.ok()) << policy.status();
  EXPECT_EQ(policy->free_failures, 5);
  EXPECT_EQ(policy->first_delay, absl::Seconds(1));
  EXPECT_EQ(policy->max_delay, absl::Minutes(5));
  EXPECT_EQ(policy->forget_after, absl::Hours(1));
  EXPECT_EQ(FormatBackoffPolicy(*policy), "5,1s,5m,1h");
  policy = ParseBackoffPolicy(" 3, 500ms, 1m, 2h ");
  ASSERT_TRUE(policy.ok()) << policy.status();
  EXPECT_EQ(policy->forget_after, absl::Hours(2));
  EXPECT_FALSE(ParseBackoffPolicy("off")->enabled());
  EXPECT_EQ(FormatBackoffPolicy(BackoffPolicy{}), "off");
}

TEST(ParseBackoffPolicyTest, RefusesEverythingElseNamingTheSyntax) {
  for (const char* bad :
       {"", "5", "5,1s", "0,1s,5m", "-1,1s,5m", "5,0s,5m", "5,10s,5s",
        "5,1s,2h", "5,1s,5m,1m", "5,1s,inf", "5,1s,5m,1h,1h", "five,1s,5m"}) {
    absl::StatusOr<BackoffPolicy> policy = ParseBackoffPolicy(bad);
    EXPECT_EQ(policy.status().code(), absl::StatusCode::kInvalidArgument)
        << bad;
    EXPECT_NE(policy.status().message().find("FREE,FIRST,MAX"),
              std::string::npos);
  }
}

class RecentKeysTest : public ::testing::Test {
 protected:
  absl::Time now_ = absl::FromUnixSeconds(1'800'000'000);
};

TEST_F(RecentKeysTest, RemembersForTheTtl) {
  RecentKeys keys(absl::Hours(1), 1000, [this] { return now_; });
  EXPECT_FALSE(keys.Contains("k"));
  keys.Remember("k");
  now_ += absl::Minutes(59);
  EXPECT_TRUE(keys.Contains("k"));
  keys.Remember("k");  // seen again: another hour
  now_ += absl::Minutes(59);
  EXPECT_TRUE(keys.Contains("k"));
  now_ += absl::Minutes(1);
  EXPECT_FALSE(keys.Contains("k"));
}

TEST_F(RecentKeysTest, StaysBoundedAndDropsTheOldestFirst) {
  RecentKeys keys(absl::Hours(24), 100, [this] { return now_; });
  keys.Remember("old");
  now_ += absl::Seconds(1);
  keys.Remember("recent");
  for (int i = 0; i < 98; ++i) keys.Remember(absl::StrCat("k", i));
  now_ += absl::Seconds(1);
  keys.Remember("one more");  // full: the oldest quarter goes
  EXPECT_LE(keys.tracked_keys(), 100u);
  EXPECT_FALSE(keys.Contains("old"));
  EXPECT_TRUE(keys.Contains("one more"));
  for (int i = 0; i < 10000; ++i) {
    keys.Remember(absl::StrCat("flood-", i));
    ASSERT_LE(keys.tracked_keys(), 100u);
  }
}

TEST_F(RecentKeysTest, ZeroTtlRemembersNothing) {
  RecentKeys keys(absl::ZeroDuration(), 100, [this] { return now_; });
  keys.Remember("k");
  EXPECT_FALSE(keys.Contains("k"));
  EXPECT_EQ(keys.tracked_keys(), 0u);
}

}  // namespace
}  // namespace miniter::rules
