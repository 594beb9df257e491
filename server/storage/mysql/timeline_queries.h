// timeline_queries.h: the SQL steps of a home-timeline read, shared by the
// database read path (DatabaseTimelineReader), the memory tier's read path
// (TierTimelineReader) and the merged-author refresher. Each function runs
// inside a RunWithRetry body and throws sql::SQLException like any query.
// docs/timeline-design.md ("Read path") explains the steps.
#ifndef MINITER_SERVER_STORAGE_MYSQL_TIMELINE_QUERIES_H_
#define MINITER_SERVER_STORAGE_MYSQL_TIMELINE_QUERIES_H_

#include <cstddef>
#include <vector>

#include <cppconn/resultset.h>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "server/storage/home_timeline_tier.h"
#include "server/storage/mysql/merged_author_cache.h"
#include "server/storage/mysql/pooled_connection.h"
#include "server/storage/mysql/tweet_record_cache.h"
#include "server/storage/records.h"

namespace miniter::storage::mysql {

// Merged authors are read this many per statement, each through its own
// (user_id, id) index range with its own LIMIT, so a statement reads at
// most kMergedSlots * limit entries; unused slots get author 0 (no rows).
constexpr int kMergedSlots = 16;

// Step 1: the owner's horizon, the followees merged at read, and the
// owner's newest `limit` home ids below `before`, in one snapshot.
struct TimelineSources {
  TweetId horizon = 0;
  std::vector<UserId> merged_followees;
  std::vector<TweetId> home_ids;  // newest first; may include ids <= horizon
};
TimelineSources ReadTimelineSources(PooledConnection& connection, UserId owner,
                                    TweetId before, int limit);

// What the memory tier's entry of `owner` is built from (the sources with
// the newest `retention` home rows). NOT_FOUND when the owner does not
// exist.
absl::Status ReadTierSnapshot(PooledConnection& connection, UserId owner,
                              int retention, TierSnapshot& snapshot);

// The page a fresh snapshot gives: its ids below `before`, newest first.
TierPage PageFromSnapshot(const TierSnapshot& snapshot, TweetId before,
                          std::size_t limit);

// Step 2 without the cache: appends the ids of `authors` in (lower,
// before), at most `limit` each, read from the tweets index.
void ReadMergedFromSql(PooledConnection& connection,
                       const std::vector<UserId>& authors, TweetId before,
                       TweetId lower, int limit, std::vector<TweetId>& ids);

// Reads the newest ids of `authors` and stores them in `cache`, stamped
// with `started` (taken before the read, so the staleness bound holds).
void LoadIntoCache(PooledConnection& connection,
                   const std::vector<UserId>& authors, MergedAuthorCache& cache,
                   absl::Time started);

// Step 4: appends up to `count` ids at or below `horizon` and below
// `before` from the direct query.
void ReadFallbackIds(PooledConnection& connection, UserId owner, TweetId before,
                     TweetId horizon, std::size_t count,
                     std::vector<TweetId>& ids);

// Step 5: fills `out` (newest first) with the full records of `ids`
// (newest first): from `cache` when it has them (null: no cache), the rest
// by primary key, which are then cached. Only misses cost a statement.
void FetchTweets(PooledConnection& connection, const std::vector<TweetId>& ids,
                 TweetRecordCache* cache, std::vector<TweetRecord>& out);

// A tweet row in the column order of the statements here: id, user_id,
// author name, text, created_at as Unix microseconds.
TweetRecord ReadTweetRow(sql::ResultSet& rows);

void SortNewestFirstUnique(std::vector<TweetId>& ids);

// Leaves the newest `limit` distinct ids of `ids`, newest first. A page
// collects up to `limit` ids per merged followee, often many times more
// than it keeps, and a full sort of them was the largest item of the
// server's CPU profile at the Timeline peak (docs/profile.md, "Third
// round"), so only the newest ones are sorted.
void KeepNewestUnique(std::vector<TweetId>& ids, std::size_t limit);

}  // namespace miniter::storage::mysql

#endif  // MINITER_SERVER_STORAGE_MYSQL_TIMELINE_QUERIES_H_
