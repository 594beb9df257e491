// keep_newest_unique_test.cc: KeepNewestUnique (timeline_queries.h) keeps
// exactly what a full sort, dedupe and cut would, on random pages with and
// without duplicates, small and far larger than the page.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <vector>

#include "absl/random/random.h"
#include "server/storage/mysql/timeline_queries.h"

namespace miniter::storage::mysql {
namespace {

std::vector<TweetId> Reference(std::vector<TweetId> ids, std::size_t limit) {
  std::sort(ids.begin(), ids.end(), std::greater<TweetId>());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  if (ids.size() > limit) ids.resize(limit);
  return ids;
}

TEST(KeepNewestUniqueTest, EqualsAFullSortDedupeAndCut) {
  absl::BitGen random;
  for (int round = 0; round < 2000; ++round) {
    const std::size_t limit = absl::Uniform<std::size_t>(random, 1, 60);
    const std::size_t count = absl::Uniform<std::size_t>(random, 0, 1500);
    // Narrow ranges give many duplicates, wide ones almost none.
    const TweetId range = absl::Uniform<int>(random, 0, 2) == 0 ? 100 : 1000000;
    std::vector<TweetId> ids;
    for (std::size_t i = 0; i < count; ++i) {
      ids.push_back(absl::Uniform<TweetId>(random, 1, range));
    }
    const std::vector<TweetId> expected = Reference(ids, limit);
    KeepNewestUnique(ids, limit);
    ASSERT_EQ(ids, expected)
        << "round " << round << ", limit " << limit << ", " << count << " ids";
  }
}

TEST(KeepNewestUniqueTest, DuplicatesAmongTheNewestFallBackToAFullSort) {
  // 40 copies of the five newest ids and 100 older ones: the newest 2 x 10
  // candidates hold only five distinct ids.
  std::vector<TweetId> ids;
  for (int copy = 0; copy < 40; ++copy) {
    for (TweetId id = 1000; id < 1005; ++id) ids.push_back(id);
  }
  for (TweetId id = 1; id <= 100; ++id) ids.push_back(id);
  KeepNewestUnique(ids, 10);
  EXPECT_THAT(ids, ::testing::ElementsAre(1004, 1003, 1002, 1001, 1000, 100, 99,
                                          98, 97, 96));
}

}  // namespace
}  // namespace miniter::storage::mysql
