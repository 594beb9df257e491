// password_hasher_test.cc: Argon2id hashes verify, use at least OWASP's
// minimum cost, and the concurrency bound turns excess load away.
#include "server/rules/password_hasher.h"

#include <atomic>
#include <cstdio>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "gtest/gtest.h"

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

TEST(PasswordHasherTest, ExcessConcurrentHashesGetResourceExhausted) {
  PasswordHasherOptions options;
  options.max_concurrent = 1;
  options.max_wait = absl::Milliseconds(1);
  PasswordHasher hasher(options);
  std::atomic<int> exhausted{0};
  std::atomic<int> succeeded{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 6; ++i) {
    threads.emplace_back([&] {
      absl::StatusOr<std::string> hash = hasher.Hash("correct horse battery");
      if (hash.ok()) ++succeeded;
      if (absl::IsResourceExhausted(hash.status())) ++exhausted;
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_GE(succeeded.load(), 1);
  EXPECT_GE(exhausted.load(), 1);
  EXPECT_EQ(succeeded.load() + exhausted.load(), 6);
}

}  // namespace
}  // namespace miniter::rules
