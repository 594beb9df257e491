// mysql_tweet_store.h: TweetStore on MySQL/MariaDB: tweets fanned out into
// materialized home timelines on write, hot authors merged at read
// (docs/timeline-design.md).
#ifndef MINITER_SERVER_STORAGE_MYSQL_MYSQL_TWEET_STORE_H_
#define MINITER_SERVER_STORAGE_MYSQL_MYSQL_TWEET_STORE_H_

#include <memory>
#include <optional>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "server/storage/mysql/connection_pool.h"
#include "server/storage/mysql/merged_author_cache.h"
#include "server/storage/mysql/tier_outbox.h"
#include "server/storage/mysql/timeline_options.h"
#include "server/storage/mysql/tweet_record_cache.h"
#include "server/storage/tweet_store.h"

namespace miniter::storage::mysql {

// Thread-safe; see TweetStore for the contract.
class MySqlTweetStore : public TweetStore {
 public:
  // Starts the merged-author cache's background refresher (a thread that
  // wakes every quarter of merged_cache_staleness) when the cache and
  // merged_cache_background_refresh are on and the bound is positive; the
  // destructor stops it. With an `outbox`, pages are served from its
  // memory tier when it holds them and tweets are added to it
  // (docs/timeline-design.md, "Memory tier"); null: the database alone.
  MySqlTweetStore(std::shared_ptr<ConnectionPool> pool,
                  absl::Duration acquire_timeout,
                  TimelineOptions timeline = TimelineOptions(),
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

 private:
  std::shared_ptr<ConnectionPool> pool_;
  absl::Duration acquire_timeout_;
  TimelineOptions timeline_;
  // Newest ids of merged-at-read authors; null when disabled
  // (merged_cache_ids_per_author == 0). One per store, so per server.
  std::unique_ptr<MergedAuthorCache> merged_cache_;
  // Hydrated tweets by id; null when disabled (tweet_cache_bytes == 0).
  std::unique_ptr<TweetRecordCache> tweet_cache_;
  // The memory tier's outbox (and through it the tier); null without one.
  std::shared_ptr<TierOutbox> outbox_;

  // The page from the memory tier (filling the owner's entry from the
  // database on a miss), or nullopt when the tier cannot answer it alone
  // (unusable, failed, a deep page, merged authors not cached): the
  // caller then reads the database as without a tier.
  absl::StatusOr<std::optional<std::vector<TweetRecord>>> ReadThroughTier(
      const TimelinePageQuery& query);

  // Reloads merged-author entries older than a quarter of the staleness
  // bound until stop_refresher_ is notified, so that readers find them
  // fresh instead of reloading them themselves (docs/timeline-design.md).
  void RefreshMergedAuthors();
  absl::Notification stop_refresher_;
  std::thread refresher_;
};

}  // namespace miniter::storage::mysql

#endif  // MINITER_SERVER_STORAGE_MYSQL_MYSQL_TWEET_STORE_H_
