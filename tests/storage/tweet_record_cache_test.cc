// tweet_record_cache_test.cc: TweetRecordCache alone, no database (label
// unit): hits and misses by id, copies that match what was stored, the
// byte bound with least-recently-used eviction, and first-insert-wins.
#include "server/storage/mysql/tweet_record_cache.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "absl/time/time.h"

namespace miniter::storage::mysql {
namespace {

TweetRecord Tweet(TweetId id, std::string text) {
  TweetRecord t;
  t.id = id;
  t.author_id = id % 7 + 1;
  t.author_name = "작성자 " + std::to_string(t.author_id);
  t.text = std::move(text);
  t.created_at = absl::FromUnixMicros(1700000000000000 + id);
  return t;
}

TEST(TweetRecordCacheTest, ReturnsWhatWasStoredAndReportsMisses) {
  TweetRecordCache cache(1 << 20);
  cache.Insert({Tweet(10, "ten 🎉"), Tweet(12, "twelve")});
  std::vector<TweetRecord> found;
  std::vector<bool> hit;
  EXPECT_EQ(cache.Lookup({12, 11, 10}, found, hit), 2u);
  ASSERT_EQ(found.size(), 3u);
  EXPECT_THAT(hit, ::testing::ElementsAre(true, false, true));
  EXPECT_EQ(found[0].id, 12u);
  EXPECT_EQ(found[0].text, "twelve");
  EXPECT_EQ(found[2].text, "ten 🎉");
  EXPECT_EQ(found[2].author_name, Tweet(10, "").author_name);
  EXPECT_EQ(found[2].author_id, Tweet(10, "").author_id);
  EXPECT_EQ(found[2].created_at, Tweet(10, "").created_at);
  EXPECT_EQ(cache.size(), 2u);
}

TEST(TweetRecordCacheTest, EvictsTheLeastRecentlyUsedPastTheByteBound) {
  const std::string text(100, 'x');
  const std::size_t per_entry = TweetRecordCache::kEntryOverhead + text.size() +
                                Tweet(1, "").author_name.size();
  TweetRecordCache cache(3 * per_entry);
  cache.Insert({Tweet(1, text), Tweet(2, text), Tweet(3, text)});
  EXPECT_EQ(cache.size(), 3u);
  std::vector<TweetRecord> found;
  std::vector<bool> hit;
  cache.Lookup({1}, found, hit);  // 2 is now the least recently used
  cache.Insert({Tweet(4, text)});
  EXPECT_EQ(cache.size(), 3u);
  EXPECT_LE(cache.bytes(), cache.max_bytes());
  EXPECT_EQ(cache.Lookup({1, 2, 3, 4}, found, hit), 3u);
  EXPECT_THAT(hit, ::testing::ElementsAre(true, false, true, true));
}

TEST(TweetRecordCacheTest, AnEntryLargerThanTheBoundIsNotCached) {
  TweetRecordCache cache(TweetRecordCache::kEntryOverhead + 10);
  cache.Insert({Tweet(1, std::string(300, 'y'))});
  EXPECT_EQ(cache.size(), 0u);
  EXPECT_EQ(cache.bytes(), 0u);
}

TEST(TweetRecordCacheTest, ASecondInsertOfAnIdKeepsTheFirst) {
  TweetRecordCache cache(1 << 20);
  cache.Insert({Tweet(5, "first")});
  cache.Insert({Tweet(5, "second")});
  std::vector<TweetRecord> found;
  std::vector<bool> hit;
  ASSERT_EQ(cache.Lookup({5}, found, hit), 1u);
  EXPECT_EQ(found[0].text, "first");
  EXPECT_EQ(cache.size(), 1u);
}

}  // namespace
}  // namespace miniter::storage::mysql
