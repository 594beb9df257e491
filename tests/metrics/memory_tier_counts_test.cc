// memory_tier_counts_test.cc: the memory tier counts its calls and their
// failures by operation (here against a Redis that is not there, so each
// call fails), and only those: the breaker's pings are not calls.
#include <map>
#include <string>
#include <utility>

#include "gtest/gtest.h"
#include "server/storage/redis/redis_home_timeline_tier.h"

namespace miniter::storage::redis {
namespace {

TEST(MemoryTierCountsTest, CountsCallsAndErrorsByOperation) {
  RedisTierOptions options;
  options.url = "unix:///nonexistent/miniter-metrics-test.sock";
  absl::StatusOr<std::unique_ptr<RedisHomeTimelineTier>> tier =
      RedisHomeTimelineTier::Create(options);
  ASSERT_TRUE(tier.ok()) << tier.status();

  EXPECT_FALSE((*tier)->Read(7, 0, 20).ok());
  EXPECT_FALSE((*tier)->Read(7, 0, 20).ok());
  EXPECT_FALSE((*tier)->AddTweet({7, 8}, 100).ok());
  // Nothing to send: not a call.
  EXPECT_TRUE((*tier)->Invalidate({}).ok());

  std::map<std::string, std::pair<std::uint64_t, std::uint64_t>> counts;
  for (const RedisHomeTimelineTier::CallCount& count : (*tier)->CallCounts()) {
    counts[count.operation] = {count.calls, count.errors};
  }
  using Pair = std::pair<std::uint64_t, std::uint64_t>;
  EXPECT_EQ(counts.size(), 5u);
  EXPECT_EQ(counts["read"], Pair(2, 2));
  EXPECT_EQ(counts["add_tweet"], Pair(1, 1));
  EXPECT_EQ(counts["invalidate"], Pair(0, 0));
  EXPECT_EQ(counts["begin_build"], Pair(0, 0));
  EXPECT_EQ(counts["finish_build"], Pair(0, 0));
  EXPECT_FALSE((*tier)->Usable());
}

}  // namespace
}  // namespace miniter::storage::redis
