// password_hasher_test.cc: Argon2id hashes verify, use at least OWASP's
// minimum cost; the bounds on running and waiting hashes turn excess load
// away with a retry hint; and the budget arithmetic that sizes them.
#include "server/rules/password_hasher.h"

#include <atomic>
#include <cstdio>
#include <optional>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "server/common/call_deadline.h"
#include "server/common/retry_hint.h"

namespace miniter::rules {
namespace {

TEST(PasswordHasherTest, HashIsArgon2idAndVerifies) {
  PasswordHasher hasher;
  absl::StatusOr<std::string> hash = hasher.Hash("correct horse battery");
  ASSERT_TRUE(hash.ok()) << hash.status();
  EXPECT_TRUE(absl::StartsWith(*hash, "$argon2id$"));
  EXPECT_EQ(hash->find("correct horse"), std::string::npos);
  EXPECT_TRUE(*hasher.Verify(*hash, "correct horse battery"));
  EXPECT_FALSE(*hasher.Verify(*hash, "correct horse batterY"));
  EXPECT_TRUE(hasher.VerifyAgainstDummy("anything").ok());
}

TEST(PasswordHasherTest, DefaultCostIsAtLeastOwaspMinimum) {
  PasswordHasher hasher;
  const std::string hash = *hasher.Hash("correct horse battery");
  // OWASP: Argon2id with m >= 19 MiB (19456 KiB), t >= 2, p = 1. The
  // parameters are read from the hash itself, as a verifier would.
  unsigned memory_kib = 0, passes = 0, lanes = 0;
  ASSERT_EQ(std::sscanf(hash.c_str(), "$argon2id$v=19$m=%u,t=%u,p=%u",
                        &memory_kib, &passes, &lanes),
            3)
      << hash;
  EXPECT_GE(memory_kib, 19456u) << hash;
  EXPECT_GE(passes, 2u) << hash;
  EXPECT_EQ(lanes, 1u) << hash;
}

TEST(PasswordHasherTest, SameInputHashesDifferently) {
  PasswordHasher hasher;
  EXPECT_NE(*hasher.Hash("correct horse battery"),
            *hasher.Hash("correct horse battery"));
}

TEST(PasswordHasherTest, ExcessConcurrentHashesGetResourceExhaustedAtOnce) {
  PasswordHasherOptions options;
  options.max_concurrent = 1;
  options.max_waiting = 0;
  // Only the bound on waiting callers can refuse anyone: a timeout would
  // take an hour.
  options.max_wait = absl::Hours(1);
  PasswordHasher hasher(options);
  EXPECT_EQ(hasher.max_concurrent(), 1);
  EXPECT_EQ(hasher.max_waiting(), 0);
  std::atomic<int> exhausted{0};
  std::atomic<int> succeeded{0};
  std::atomic<int> hinted{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 6; ++i) {
    threads.emplace_back([&] {
      absl::StatusOr<std::string> hash = hasher.Hash("correct horse battery");
      if (hash.ok()) ++succeeded;
      if (absl::IsResourceExhausted(hash.status())) {
        ++exhausted;
        // The hint follows the recent hash times, so it is not fixed.
        const std::optional<absl::Duration> hint =
            common::RetryAfter(hash.status());
        if (hint.has_value() && *hint >= absl::Milliseconds(1)) ++hinted;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_GE(succeeded.load(), 1);
  EXPECT_GE(exhausted.load(), 1);
  EXPECT_EQ(succeeded.load() + exhausted.load(), 6);
  EXPECT_EQ(hinted.load(), exhausted.load());
}

TEST(PasswordHasherTest, RetryHintIsAboutTheQueuesWorthOfHashes) {
  PasswordHasherOptions options;
  options.max_concurrent = 2;
  options.max_wait = absl::Seconds(3);
  PasswordHasher hasher(options);
  EXPECT_EQ(hasher.max_waiting(), 4);  // 2 x max_concurrent by default
  // One hash of 64 MiB takes milliseconds at least; the hint is three of
  // them (the running pair and the two pairs waiting) but never more than
  // a waiter would have waited.
  EXPECT_GE(hasher.retry_after(), absl::Milliseconds(1));
  EXPECT_LE(hasher.retry_after(), absl::Seconds(3));
}

TEST(PasswordHasherTest, NoWorkOnceTheCallsDeadlineHasPassed) {
  PasswordHasherOptions cheap;
  cheap.ops_limit = 1;
  cheap.mem_limit_bytes = 8192;
  PasswordHasher hasher(cheap);
  const std::string hash = *hasher.Hash("correct horse battery");
  const common::CallDeadlineScope deadline(absl::Now() - absl::Seconds(1));
  EXPECT_TRUE(
      absl::IsDeadlineExceeded(hasher.Hash("correct horse battery").status()));
  EXPECT_TRUE(absl::IsDeadlineExceeded(
      hasher.Verify(hash, "correct horse battery").status()));
  EXPECT_TRUE(absl::IsDeadlineExceeded(hasher.VerifyAgainstDummy("anything")));
}

TEST(ConcurrentHashesWithinTest, BudgetOverHashSizeAtLeastOneAtMostTheCpus) {
  constexpr std::size_t k64MiB = std::size_t{64} << 20;
  EXPECT_EQ(ConcurrentHashesWithin(256ull << 20, k64MiB, 16), 4);
  EXPECT_EQ(ConcurrentHashesWithin((256ull << 20) - 1, k64MiB, 16), 3);
  EXPECT_EQ(ConcurrentHashesWithin(1ull << 30, k64MiB, 2), 2);
  EXPECT_EQ(ConcurrentHashesWithin(0, k64MiB, 8), 1);
  EXPECT_EQ(ConcurrentHashesWithin(1ull << 20, k64MiB, 8), 1);
  EXPECT_EQ(ConcurrentHashesWithin(1ull << 40, k64MiB, 0), 1);
  EXPECT_EQ(ConcurrentHashesWithin(~0ull, 8192, 1000000), 1000000);
  EXPECT_EQ(ConcurrentHashesWithin(1ull << 30, 0, 4), 4);
}

TEST(EffectiveMaxWaitingTest, TwiceTheSlotsUnlessSet) {
  PasswordHasherOptions options;
  options.max_concurrent = 3;
  EXPECT_EQ(EffectiveMaxWaiting(options), 6);
  options.max_waiting = 0;
  EXPECT_EQ(EffectiveMaxWaiting(options), 0);
  options.max_waiting = 50;
  EXPECT_EQ(EffectiveMaxWaiting(options), 50);
}

}  // namespace
}  // namespace miniter::rules
