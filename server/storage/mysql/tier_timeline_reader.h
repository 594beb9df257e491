// tier_timeline_reader.h: a timeline page read from the shared memory tier
// (docs/timeline-design.md, "Memory tier"): the owner's entry (rebuilt from
// MariaDB on a miss), merged followees from the merged-author cache, the
// fallback query below the horizon, and records from the tweet cache.
// Pages it cannot answer alone are left to DatabaseTimelineReader.
#ifndef MINITER_SERVER_STORAGE_MYSQL_TIER_TIMELINE_READER_H_
#define MINITER_SERVER_STORAGE_MYSQL_TIER_TIMELINE_READER_H_

#include <functional>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "server/storage/home_timeline_tier.h"
#include "server/storage/mysql/connection_pool.h"
#include "server/storage/mysql/merged_author_cache.h"
#include "server/storage/mysql/tweet_record_cache.h"
#include "server/storage/records.h"

namespace miniter::storage::mysql {

// Thread-safe. `tier` and the caches (which may be null) outlive it.
class TierTimelineReader {
 public:
  TierTimelineReader(std::shared_ptr<ConnectionPool> pool,
                     absl::Duration acquire_timeout, int retention,
                     HomeTimelineTier& tier, MergedAuthorCache* merged_cache,
                     TweetRecordCache* tweet_cache,
                     std::function<absl::Time()> now)
      : pool_(std::move(pool)),
        acquire_timeout_(acquire_timeout),
        retention_(retention),
        tier_(tier),
        merged_cache_(merged_cache),
        tweet_cache_(tweet_cache),
        now_(std::move(now)) {}

  // The page, or nullopt when the tier cannot answer it alone (unusable,
  // failed, a page below the entry's floor, merged authors not cached):
  // the caller then reads the database. NOT_FOUND for an unknown owner
  // (found while rebuilding the entry); other database errors as the
  // database path returns them.
  absl::StatusOr<std::optional<std::vector<TweetRecord>>> Read(
      const TimelinePageQuery& query);

 private:
  // The owner's entry for the page: read, or on a miss rebuilt from the
  // database and installed. nullopt when the tier failed.
  absl::StatusOr<std::optional<TierPage>> ReadOrBuildEntry(
      const TimelinePageQuery& query);

  std::shared_ptr<ConnectionPool> pool_;
  absl::Duration acquire_timeout_;
  int retention_;
  HomeTimelineTier& tier_;
  MergedAuthorCache* merged_cache_;
  TweetRecordCache* tweet_cache_;
  std::function<absl::Time()> now_;
};

}  // namespace miniter::storage::mysql

#endif  // MINITER_SERVER_STORAGE_MYSQL_TIER_TIMELINE_READER_H_
