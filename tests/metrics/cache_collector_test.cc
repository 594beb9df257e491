// cache_collector_test.cc: the real in-process caches count hits, misses
// and evictions, and CacheCollector serves them labelled by cache.
#include "server/metrics/cache_collector.h"

#include <limits>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "prometheus/text_serializer.h"
#include "server/storage/mysql/merged_author_cache.h"
#include "server/storage/mysql/tweet_record_cache.h"
#include "tests/metrics/exposition.h"

namespace miniter::metrics {
namespace {

using storage::TweetRecord;
using storage::mysql::MergedAuthorCache;
using storage::mysql::TweetRecordCache;

TEST(CacheCollectorTest, TweetRecordCacheCountsIdsAndEvictions) {
  // Room for two entries of this size, not three.
  const std::size_t one = TweetRecordCache::kEntryOverhead + 2;
  TweetRecordCache cache(2 * one + one / 2);
  cache.Insert({TweetRecord{1, 7, "a", "x", {}},
                TweetRecord{2, 7, "a", "y", {}},
                TweetRecord{3, 7, "a", "z", {}}});  // evicts tweet 1
  std::vector<TweetRecord> found;
  std::vector<bool> hit;
  EXPECT_EQ(cache.Lookup({1, 2, 3, 4}, found, hit), 2u);

  const common::CacheStats stats = cache.Stats();
  EXPECT_EQ(stats.name, "tweet_records");
  EXPECT_EQ(stats.hits, 2u);
  EXPECT_EQ(stats.misses, 2u);
  EXPECT_EQ(stats.evictions, 1u);
  EXPECT_EQ(stats.entries, 2u);
  EXPECT_EQ(stats.bytes, std::uint64_t{2 * one});
}

TEST(CacheCollectorTest, MergedAuthorCacheCountsLookups) {
  MergedAuthorCache cache(/*max_authors=*/1, /*ids_per_author=*/4,
                          absl::Minutes(1));
  const absl::Time now = absl::Now();
  const storage::TweetId kNoBound =
      std::numeric_limits<storage::TweetId>::max();
  std::vector<storage::TweetId> ids;
  EXPECT_EQ(cache.Collect(7, kNoBound, 0, 10, now, ids),
            MergedAuthorCache::Lookup::kLoad);
  cache.Store(7, {30, 20, 10}, now);
  EXPECT_EQ(cache.Collect(7, kNoBound, 0, 10, now, ids),
            MergedAuthorCache::Lookup::kHit);
  cache.Store(8, {40}, now);  // one author at most: 7 goes

  const common::CacheStats stats = cache.Stats();
  EXPECT_EQ(stats.name, "merged_authors");
  EXPECT_EQ(stats.hits, 1u);
  EXPECT_EQ(stats.misses, 1u);
  EXPECT_EQ(stats.evictions, 1u);
  EXPECT_EQ(stats.entries, 1u);
  EXPECT_FALSE(stats.bytes.has_value());
}

TEST(CacheCollectorTest, ServesEachCacheUnderItsLabel) {
  CacheCollector collector([] {
    common::CacheStats tweets;
    tweets.name = "tweet_records";
    tweets.hits = 5;
    tweets.misses = 3;
    tweets.evictions = 1;
    tweets.entries = 4;
    tweets.bytes = 640;
    common::CacheStats authors;
    authors.name = "merged_authors";
    authors.hits = 2;
    return std::vector<common::CacheStats>{tweets, authors};
  });
  const std::string text =
      prometheus::TextSerializer().Serialize(collector.Collect());
  absl::StatusOr<std::map<std::string, double>> samples =
      testing::ParseExposition(text);
  ASSERT_TRUE(samples.ok()) << samples.status();
  auto value = [&](const char* family, const char* cache) {
    return samples->at(absl::StrCat(family, "{cache=\"", cache, "\"}"));
  };
  EXPECT_EQ(value("miniter_cache_hits_total", "tweet_records"), 5);
  EXPECT_EQ(value("miniter_cache_misses_total", "tweet_records"), 3);
  EXPECT_EQ(value("miniter_cache_evictions_total", "tweet_records"), 1);
  EXPECT_EQ(value("miniter_cache_entries", "tweet_records"), 4);
  EXPECT_EQ(value("miniter_cache_bytes", "tweet_records"), 640);
  EXPECT_EQ(value("miniter_cache_hits_total", "merged_authors"), 2);
  // No footprint tracked, so none served.
  EXPECT_EQ(samples->count("miniter_cache_bytes{cache=\"merged_authors\"}"),
            0u);
  EXPECT_EQ(testing::ExpositionTypes(text).at("miniter_cache_hits_total"),
            "counter");
}

}  // namespace
}  // namespace miniter::metrics
