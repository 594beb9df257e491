// database_timeline_reader.cc: the database read path's steps (see the
// header; the SQL is in timeline_queries.cc).
#include "server/storage/mysql/database_timeline_reader.h"

#include <algorithm>
#include <limits>

#include "absl/status/status.h"
#include "server/storage/mysql/query_runner.h"
#include "server/storage/mysql/timeline_queries.h"

namespace miniter::storage::mysql {

void DatabaseTimelineReader::AddMergedIds(PooledConnection& connection,
                                          const std::vector<UserId>& authors,
                                          TweetId before, TweetId lower,
                                          std::size_t limit,
                                          std::vector<TweetId>& ids) {
  const int limit_int = static_cast<int>(limit);
  if (merged_cache_ == nullptr) {
    ReadMergedFromSql(connection, authors, before, lower, limit_int, ids);
    return;
  }
  // The cache replaces the index reads of every author whose entry is
  // fresh and covers the range; missing and stale ones are (re)loaded in
  // one batch, and an author whose range reaches below the cached ids is
  // read from SQL.
  const absl::Time now = now_();
  std::vector<UserId> to_load;
  std::vector<UserId> from_sql;
  bool due = false;
  for (UserId author : authors) {
    switch (
        merged_cache_->Collect(author, before, lower, limit, now, ids, &due)) {
      case MergedAuthorCache::Lookup::kHit: break;
      case MergedAuthorCache::Lookup::kLoad: to_load.push_back(author); break;
      case MergedAuthorCache::Lookup::kNotCovered:
        from_sql.push_back(author);
        break;
    }
  }
  // Refresh ahead: an entry past half its staleness is reloaded by one
  // reader, together with every other due entry, in the free slots of this
  // page's load statement (or one statement of its own), while the entries
  // still serve everyone else.
  std::vector<UserId> batch = to_load;
  const std::size_t slots = static_cast<std::size_t>(kMergedSlots);
  const std::size_t free_slots = to_load.empty()
                                     ? (due ? slots : 0)
                                     : (slots - to_load.size() % slots) % slots;
  if (free_slots > 0) merged_cache_->ClaimDue(now, free_slots, batch);
  if (!batch.empty()) LoadIntoCache(connection, batch, *merged_cache_, now);
  for (UserId author : to_load) {
    // Asked with the load's own time, so a zero staleness bound still uses
    // what was just loaded.
    if (merged_cache_->Collect(author, before, lower, limit, now, ids) !=
        MergedAuthorCache::Lookup::kHit) {
      from_sql.push_back(author);  // evicted, or not covered
    }
  }
  ReadMergedFromSql(connection, from_sql, before, lower, limit_int, ids);
}

absl::StatusOr<std::vector<TweetRecord>> DatabaseTimelineReader::Read(
    const TimelinePageQuery& query) {
  std::vector<TweetRecord> tweets;
  absl::Status status = RunWithRetry(
      *pool_, acquire_timeout_, "ReadTimelinePage",
      [&](PooledConnection& connection) -> absl::Status {
        tweets.clear();  // a retried attempt starts over
        if (query.limit > 0) {
          const std::size_t limit = static_cast<std::size_t>(query.limit);
          const TweetId before = query.before_tweet_id != 0
                                     ? query.before_tweet_id
                                     : std::numeric_limits<TweetId>::max();
          // Step 1.
          const TimelineSources sources = ReadTimelineSources(
              connection, query.user_id, before, query.limit);
          // Above the horizon: home rows plus merged authors' tweets.
          std::vector<TweetId> ids;
          for (TweetId id : sources.home_ids) {
            if (id > sources.horizon) ids.push_back(id);
          }
          SortNewestFirstUnique(ids);
          if (!sources.merged_followees.empty()) {
            // With a full page of home rows, a merged tweet older than the
            // last of them cannot make the page.
            const TweetId lower =
                ids.size() >= limit ? std::max(sources.horizon, ids[limit - 1])
                                    : sources.horizon;
            AddMergedIds(connection, sources.merged_followees, before, lower,
                         limit, ids);
          }
          KeepNewestUnique(ids, limit);
          // At or below the horizon home rows may be incomplete (trimmed,
          // or older than a follow's backfill): the direct query serves it.
          if (ids.size() < limit && sources.horizon > 0) {
            if (query.admit_expensive_read) {
              absl::Status admitted = query.admit_expensive_read();
              if (!admitted.ok()) return admitted;
            }
            ReadFallbackIds(connection, query.user_id, before, sources.horizon,
                            limit - ids.size(), ids);
          }
          FetchTweets(connection, ids, tweet_cache_, tweets);
        }
        if (!tweets.empty()) return absl::OkStatus();
        // Only an empty page can hide an unknown user (a user sees their
        // own tweets), so only then is existence checked.
        return CheckUserExistsOn(connection, query.user_id);
      });
  if (!status.ok()) return status;
  return tweets;
}

}  // namespace miniter::storage::mysql
