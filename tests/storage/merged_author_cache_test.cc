// merged_author_cache_test.cc: MergedAuthorCache alone, no database (label
// unit): which ranges an entry covers, staleness, local additions, merging
// a reload with them, refresh-ahead claims, and the least-recently-used
// bound on authors.
#include "server/storage/mysql/merged_author_cache.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <vector>

#include "absl/time/time.h"

namespace miniter::storage::mysql {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using Lookup = MergedAuthorCache::Lookup;

constexpr TweetId kNewest = std::numeric_limits<TweetId>::max();
const absl::Time kT0 = absl::FromUnixSeconds(1000);

TEST(MergedAuthorCacheTest, MissingAuthorAsksForALoad) {
  MergedAuthorCache cache(4, 3, absl::Seconds(1));
  std::vector<TweetId> out;
  EXPECT_EQ(cache.Collect(7, kNewest, 0, 10, kT0, out), Lookup::kLoad);
  EXPECT_THAT(out, IsEmpty());
}

TEST(MergedAuthorCacheTest, CoversRangesWithinTheCachedIds) {
  MergedAuthorCache cache(4, 3, absl::Seconds(1));
  // Four rows read for three kept: the author has older tweets.
  cache.Store(7, {90, 80, 70, 60}, kT0);
  std::vector<TweetId> out;
  EXPECT_EQ(cache.Collect(7, kNewest, 0, 2, kT0, out), Lookup::kHit);
  EXPECT_THAT(out, ElementsAre(90, 80));
  out.clear();
  EXPECT_EQ(cache.Collect(7, 85, 0, 2, kT0, out), Lookup::kHit);
  EXPECT_THAT(out, ElementsAre(80, 70));
  out.clear();
  // Stops at `lower`, which is inside the cached ids: covered.
  EXPECT_EQ(cache.Collect(7, kNewest, 75, 10, kT0, out), Lookup::kHit);
  EXPECT_THAT(out, ElementsAre(90, 80));
  out.clear();
  // Reaches below 70 with older tweets uncached: SQL, and nothing appended.
  out.push_back(1);
  EXPECT_EQ(cache.Collect(7, kNewest, 0, 4, kT0, out), Lookup::kNotCovered);
  EXPECT_THAT(out, ElementsAre(1));
  out.clear();
  EXPECT_EQ(cache.Collect(7, 70, 0, 1, kT0, out), Lookup::kNotCovered);
}

TEST(MergedAuthorCacheTest, AnAuthorWithoutOlderTweetsIsAlwaysCovered) {
  MergedAuthorCache cache(4, 3, absl::Seconds(1));
  cache.Store(7, {90, 80}, kT0);
  cache.Store(8, {}, kT0);
  std::vector<TweetId> out;
  EXPECT_EQ(cache.Collect(7, kNewest, 0, 50, kT0, out), Lookup::kHit);
  EXPECT_THAT(out, ElementsAre(90, 80));
  out.clear();
  EXPECT_EQ(cache.Collect(7, 80, 0, 50, kT0, out), Lookup::kHit);
  EXPECT_THAT(out, IsEmpty());
  EXPECT_EQ(cache.Collect(8, kNewest, 0, 50, kT0, out), Lookup::kHit);
  EXPECT_THAT(out, IsEmpty());
}

TEST(MergedAuthorCacheTest, StaleEntriesAskForAReload) {
  MergedAuthorCache cache(4, 3, absl::Seconds(1));
  cache.Store(7, {90}, kT0);
  std::vector<TweetId> out;
  EXPECT_EQ(cache.Collect(7, kNewest, 0, 5, kT0 + absl::Seconds(1), out),
            Lookup::kHit);
  out.clear();
  EXPECT_EQ(
      cache.Collect(7, kNewest, 0, 5, kT0 + absl::Milliseconds(1001), out),
      Lookup::kLoad);
  EXPECT_THAT(out, IsEmpty());
  cache.Store(7, {95, 90}, kT0 + absl::Seconds(2));
  EXPECT_EQ(cache.Collect(7, kNewest, 0, 5, kT0 + absl::Seconds(2), out),
            Lookup::kHit);
  EXPECT_THAT(out, ElementsAre(95, 90));
}

TEST(MergedAuthorCacheTest, EntriesPastHalfTheirStalenessAreClaimedOnce) {
  MergedAuthorCache cache(8, 3, absl::Seconds(1));
  cache.Store(7, {90}, kT0);
  cache.Store(8, {80}, kT0 + absl::Milliseconds(400));
  std::vector<TweetId> out;
  bool due = false;
  // Young entry: a hit, nothing due, nothing to claim.
  EXPECT_EQ(
      cache.Collect(7, kNewest, 0, 5, kT0 + absl::Milliseconds(500), out, &due),
      Lookup::kHit);
  EXPECT_FALSE(due);
  std::vector<UserId> claimed;
  cache.ClaimDue(kT0 + absl::Milliseconds(500), 16, claimed);
  EXPECT_THAT(claimed, IsEmpty());
  // Past half the bound: still a hit, but due; one caller claims it, and
  // then nobody else is told to.
  const absl::Time later = kT0 + absl::Milliseconds(600);
  EXPECT_EQ(cache.Collect(7, kNewest, 0, 5, later, out, &due), Lookup::kHit);
  EXPECT_TRUE(due);
  cache.ClaimDue(later, 16, claimed);
  EXPECT_THAT(claimed, ElementsAre(7));  // 8 is only 200 ms old
  due = false;
  EXPECT_EQ(cache.Collect(7, kNewest, 0, 5, later, out, &due), Lookup::kHit);
  EXPECT_FALSE(due);
  claimed.clear();
  cache.ClaimDue(later, 16, claimed);
  EXPECT_THAT(claimed, IsEmpty());
  // The claimer's Store ends the claim; the entry is young again.
  cache.Store(7, {95, 90}, later);
  cache.ClaimDue(later + absl::Milliseconds(501), 16, claimed);
  EXPECT_THAT(claimed, ::testing::UnorderedElementsAre(7, 8));
}

TEST(MergedAuthorCacheTest, ClaimDueSkipsStaleEntriesAndRespectsMax) {
  MergedAuthorCache cache(8, 3, absl::Seconds(1));
  cache.Store(1, {10}, kT0);
  cache.Store(2, {20}, kT0 + absl::Milliseconds(300));
  cache.Store(3, {30}, kT0 + absl::Milliseconds(300));
  std::vector<UserId> claimed;
  // At kT0+1.1 s entry 1 is stale (its readers load it): not claimed.
  cache.ClaimDue(kT0 + absl::Milliseconds(1100), 1, claimed);
  ASSERT_EQ(claimed.size(), 1u);
  EXPECT_NE(claimed[0], 1u);
  cache.ClaimDue(kT0 + absl::Milliseconds(1100), 5, claimed);
  EXPECT_THAT(claimed, ::testing::UnorderedElementsAre(2, 3));
  // A failed refresh is not stuck: once stale, Collect asks for a load.
  std::vector<TweetId> out;
  EXPECT_EQ(
      cache.Collect(2, kNewest, 0, 5, kT0 + absl::Milliseconds(1400), out),
      Lookup::kLoad);
}

// The background refresher must not keep reloading authors nobody reads:
// an entry last read more than a bound ago is not claimed, however young
// its last reload; its next reader finds it stale and loads it.
TEST(MergedAuthorCacheTest, EntriesNobodyReadsAreNotClaimedForRefresh) {
  MergedAuthorCache cache(8, 3, absl::Seconds(1));
  cache.Store(1, {10}, kT0);
  cache.Store(2, {20}, kT0);
  std::vector<TweetId> out;
  EXPECT_EQ(cache.Collect(1, kNewest, 0, 5, kT0, out), Lookup::kHit);
  EXPECT_EQ(cache.Collect(2, kNewest, 0, 5, kT0, out), Lookup::kHit);
  // Both reloaded (by a refresher) without being read again; only 2 is read
  // after that.
  cache.Store(1, {10}, kT0 + absl::Milliseconds(600));
  cache.Store(2, {20}, kT0 + absl::Milliseconds(600));
  EXPECT_EQ(cache.Collect(2, kNewest, 0, 5, kT0 + absl::Milliseconds(900), out),
            Lookup::kHit);
  std::vector<UserId> claimed;
  cache.ClaimOlderThan(kT0 + absl::Milliseconds(1200), absl::Milliseconds(250),
                       16, claimed);
  EXPECT_THAT(claimed, ElementsAre(2));
}

TEST(MergedAuthorCacheTest, LocalTweetsAreAddedAndSurviveARacingReload) {
  MergedAuthorCache cache(4, 3, absl::Seconds(1));
  cache.AddTweet(7, 100);  // no entry: ignored, the next load reads it
  EXPECT_EQ(cache.size(), 0u);
  cache.Store(7, {90, 80, 70, 60}, kT0);
  cache.AddTweet(7, 100);
  cache.AddTweet(7, 100);  // twice: once
  std::vector<TweetId> out;
  EXPECT_EQ(cache.Collect(7, kNewest, 0, 3, kT0, out), Lookup::kHit);
  EXPECT_THAT(out, ElementsAre(100, 90, 80));  // 70 dropped: still bounded
  out.clear();
  EXPECT_EQ(cache.Collect(7, kNewest, 0, 4, kT0, out), Lookup::kNotCovered);
  // Below the cached ids with older ones uncached: not added.
  cache.AddTweet(7, 10);
  EXPECT_EQ(cache.Collect(7, 80, 0, 1, kT0, out), Lookup::kNotCovered);
  // A reload that started before 110 committed keeps it.
  cache.AddTweet(7, 110);
  cache.Store(7, {100, 90, 80, 70}, kT0 + absl::Seconds(1));
  EXPECT_EQ(cache.Collect(7, kNewest, 0, 3, kT0, out), Lookup::kHit);
  EXPECT_THAT(out, ElementsAre(110, 100, 90));
}

TEST(MergedAuthorCacheTest, EvictsTheLeastRecentlyUsedAuthorBeyondTheBound) {
  MergedAuthorCache cache(3, 2, absl::Seconds(1));
  std::vector<TweetId> out;
  for (UserId author = 1; author <= 3; ++author) {
    cache.Store(author, {author * 10}, kT0);
  }
  EXPECT_EQ(cache.Collect(1, kNewest, 0, 5, kT0, out),
            Lookup::kHit);  // 2 is LRU
  cache.Store(4, {40}, kT0);
  EXPECT_EQ(cache.size(), 3u);
  EXPECT_EQ(cache.Collect(2, kNewest, 0, 5, kT0, out), Lookup::kLoad);
  for (UserId author : {1, 3, 4}) {
    EXPECT_EQ(cache.Collect(author, kNewest, 0, 5, kT0, out), Lookup::kHit)
        << author;
  }
  for (UserId author = 100; author < 1100; ++author) {
    cache.Store(author, {author, author - 1, author - 2}, kT0);
    ASSERT_LE(cache.size(), 3u);
  }
  EXPECT_EQ(cache.size(), 3u);
  out.clear();
  EXPECT_EQ(cache.Collect(1099, kNewest, 0, 2, kT0, out), Lookup::kHit);
  EXPECT_THAT(out, ElementsAre(1099, 1098));  // ids bounded per author too
}

}  // namespace
}  // namespace miniter::storage::mysql
