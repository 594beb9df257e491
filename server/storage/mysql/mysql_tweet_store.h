// mysql_tweet_store.h: TweetStore on MySQL/MariaDB, assembled from the
// parts that each do one job: TweetWriter (a tweet and its fan-out),
// TierTimelineReader (pages from the shared memory tier, when there is
// one), DatabaseTimelineReader (pages from MariaDB), the two in-process
// caches they share (merged authors' newest ids, tweet records) and the
// MergedAuthorRefresher that keeps the first fresh; UserTweetsReader reads
// one author's own tweets.
// docs/timeline-design.md explains the design.
#ifndef MINITER_SERVER_STORAGE_MYSQL_MYSQL_TWEET_STORE_H_
#define MINITER_SERVER_STORAGE_MYSQL_MYSQL_TWEET_STORE_H_

#include <memory>
#include <string_view>
#include <vector>

#include "absl/time/time.h"
#include "server/common/cache_stats.h"
#include "server/storage/mysql/connection_pool.h"
#include "server/storage/mysql/database_timeline_reader.h"
#include "server/storage/mysql/merged_author_cache.h"
#include "server/storage/mysql/merged_author_refresher.h"
#include "server/storage/mysql/tier_outbox.h"
#include "server/storage/mysql/tier_timeline_reader.h"
#include "server/storage/mysql/timeline_options.h"
#include "server/storage/mysql/tweet_record_cache.h"
#include "server/storage/mysql/tweet_writer.h"
#include "server/storage/mysql/user_tweets_reader.h"
#include "server/storage/tweet_store.h"

namespace miniter::storage::mysql {

// Thread-safe; see TweetStore for the contract.
class MySqlTweetStore : public TweetStore {
 public:
  // Starts the merged-author refresher when the cache and
  // merged_cache_background_refresh are on and the bound is positive. With
  // an `outbox`, pages are served from its memory tier when it holds them
  // and tweets are added to it; null: the database alone.
  MySqlTweetStore(const std::shared_ptr<ConnectionPool>& pool,
                  absl::Duration acquire_timeout,
                  const TimelineOptions& timeline = TimelineOptions(),
                  std::shared_ptr<TierOutbox> outbox = nullptr);
  ~MySqlTweetStore() override;

  MySqlTweetStore(const MySqlTweetStore&) = delete;
  MySqlTweetStore& operator=(const MySqlTweetStore&) = delete;

  using TweetStore::CreateTweet;  // the overload without a request id
  absl::StatusOr<TweetRecord> CreateTweet(UserId author_id,
                                          std::string_view text,
                                          std::string_view request_id) override;
  absl::StatusOr<std::vector<TweetRecord>> ReadTimelinePage(
      const TimelinePageQuery& query) override;
  absl::StatusOr<std::vector<TweetRecord>> ReadUserTweetsPage(
      const UserTweetsQuery& query) override;

  // Its caches now (those enabled), for metrics. Thread-safe.
  std::vector<common::CacheStats> CacheStatsNow() const;

 private:
  // Newest ids of merged-at-read authors; null when disabled
  // (merged_cache_ids_per_author == 0). One per store, so per server.
  std::unique_ptr<MergedAuthorCache> merged_cache_;
  // Hydrated tweets by id; null when disabled (tweet_cache_bytes == 0).
  std::unique_ptr<TweetRecordCache> tweet_cache_;
  // The memory tier's outbox (and through it the tier); null without one.
  std::shared_ptr<TierOutbox> outbox_;
  TweetWriter writer_;
  DatabaseTimelineReader database_reader_;
  UserTweetsReader user_tweets_reader_;
  std::unique_ptr<TierTimelineReader> tier_reader_;   // null without a tier
  std::unique_ptr<MergedAuthorRefresher> refresher_;  // null when off
};

}  // namespace miniter::storage::mysql

#endif  // MINITER_SERVER_STORAGE_MYSQL_MYSQL_TWEET_STORE_H_
