// database_timeline_reader.h: a timeline page read from MariaDB alone, as
// the steps of docs/timeline-design.md ("Read path"): the sources (horizon,
// merged followees, home ids), merged authors' ids (from their cache or the
// tweets index), the fallback query below the horizon, and the records.
#ifndef MINITER_SERVER_STORAGE_MYSQL_DATABASE_TIMELINE_READER_H_
#define MINITER_SERVER_STORAGE_MYSQL_DATABASE_TIMELINE_READER_H_

#include <cstddef>
#include <functional>
#include <memory>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "server/storage/mysql/connection_pool.h"
#include "server/storage/mysql/merged_author_cache.h"
#include "server/storage/mysql/pooled_connection.h"
#include "server/storage/mysql/tweet_record_cache.h"
#include "server/storage/records.h"

namespace miniter::storage::mysql {

// Thread-safe. The caches may be null (off) and outlive the reader.
class DatabaseTimelineReader {
 public:
  DatabaseTimelineReader(std::shared_ptr<ConnectionPool> pool,
                         absl::Duration acquire_timeout,
                         MergedAuthorCache* merged_cache,
                         TweetRecordCache* tweet_cache,
                         std::function<absl::Time()> now)
      : pool_(std::move(pool)),
        acquire_timeout_(acquire_timeout),
        merged_cache_(merged_cache),
        tweet_cache_(tweet_cache),
        now_(std::move(now)) {}

  // TweetStore::ReadTimelinePage's contract.
  absl::StatusOr<std::vector<TweetRecord>> Read(const TimelinePageQuery& query);

 private:
  // Step 2: appends the ids of merged followees `authors` in (lower,
  // before), at most `limit` each: from the cache where it holds them,
  // loading missing and stale entries in one batch (plus entries due for a
  // refresh), and from the tweets index for ranges below the cached ids.
  void AddMergedIds(PooledConnection& connection,
                    const std::vector<UserId>& authors, TweetId before,
                    TweetId lower, std::size_t limit,
                    std::vector<TweetId>& ids);

  std::shared_ptr<ConnectionPool> pool_;
  absl::Duration acquire_timeout_;
  MergedAuthorCache* merged_cache_;
  TweetRecordCache* tweet_cache_;
  std::function<absl::Time()> now_;
};

}  // namespace miniter::storage::mysql

#endif  // MINITER_SERVER_STORAGE_MYSQL_DATABASE_TIMELINE_READER_H_
