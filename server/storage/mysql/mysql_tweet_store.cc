// mysql_tweet_store.cc: wires the tweet store's parts together (see the
// header); the SQL lives in tweet_writer.cc and timeline_queries.cc.
#include "server/storage/mysql/mysql_tweet_store.h"

#include <algorithm>
#include <optional>
#include <utility>

namespace miniter::storage::mysql {
namespace {

std::unique_ptr<MergedAuthorCache> MakeMergedCache(
    const TimelineOptions& timeline) {
  if (timeline.merged_cache_ids_per_author <= 0) return nullptr;
  return std::make_unique<MergedAuthorCache>(
      static_cast<std::size_t>(std::max(1, timeline.merged_cache_max_authors)),
      static_cast<std::size_t>(timeline.merged_cache_ids_per_author),
      timeline.merged_cache_staleness);
}

std::unique_ptr<TweetRecordCache> MakeTweetCache(
    const TimelineOptions& timeline) {
  if (timeline.tweet_cache_bytes <= 0) return nullptr;
  return std::make_unique<TweetRecordCache>(
      static_cast<std::size_t>(timeline.tweet_cache_bytes));
}

}  // namespace

MySqlTweetStore::MySqlTweetStore(const std::shared_ptr<ConnectionPool>& pool,
                                 absl::Duration acquire_timeout,
                                 const TimelineOptions& timeline,
                                 std::shared_ptr<TierOutbox> outbox)
    : merged_cache_(MakeMergedCache(timeline)),
      tweet_cache_(MakeTweetCache(timeline)),
      outbox_(std::move(outbox)),
      writer_(pool, acquire_timeout, timeline, merged_cache_.get(),
              outbox_.get()),
      database_reader_(pool, acquire_timeout, merged_cache_.get(),
                       tweet_cache_.get(), timeline.now),
      user_tweets_reader_(pool, acquire_timeout, tweet_cache_.get()) {
  if (outbox_ != nullptr) {
    tier_reader_ = std::make_unique<TierTimelineReader>(
        pool, acquire_timeout, timeline.retention, outbox_->tier(),
        merged_cache_.get(), tweet_cache_.get(), timeline.now);
  }
  if (merged_cache_ != nullptr && timeline.merged_cache_background_refresh &&
      timeline.merged_cache_staleness > absl::ZeroDuration()) {
    refresher_ = std::make_unique<MergedAuthorRefresher>(
        pool, acquire_timeout, *merged_cache_, timeline.now);
  }
}

std::vector<common::CacheStats> MySqlTweetStore::CacheStatsNow() const {
  std::vector<common::CacheStats> caches;
  if (merged_cache_ != nullptr) caches.push_back(merged_cache_->Stats());
  if (tweet_cache_ != nullptr) caches.push_back(tweet_cache_->Stats());
  return caches;
}

// The refresher goes first (members are destroyed in reverse order).
MySqlTweetStore::~MySqlTweetStore() = default;

absl::StatusOr<TweetRecord> MySqlTweetStore::CreateTweet(
    UserId author_id, std::string_view text, std::string_view request_id) {
  return writer_.CreateTweet(author_id, text, request_id);
}

absl::StatusOr<std::vector<TweetRecord>> MySqlTweetStore::ReadTimelinePage(
    const TimelinePageQuery& query) {
  if (tier_reader_ != nullptr) {
    absl::StatusOr<std::optional<std::vector<TweetRecord>>> served =
        tier_reader_->Read(query);
    if (!served.ok()) return served.status();
    if (served->has_value()) return *std::move(*served);
  }
  return database_reader_.Read(query);
}

absl::StatusOr<std::vector<TweetRecord>> MySqlTweetStore::ReadUserTweetsPage(
    const UserTweetsQuery& query) {
  return user_tweets_reader_.Read(query);
}

}  // namespace miniter::storage::mysql
