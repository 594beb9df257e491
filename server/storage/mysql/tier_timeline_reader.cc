// tier_timeline_reader.cc: the memory tier's read path (see the header).
#include "server/storage/mysql/tier_timeline_reader.h"

#include <algorithm>
#include <limits>
#include <string>

#include "absl/status/status.h"
#include "server/storage/mysql/query_runner.h"
#include "server/storage/mysql/timeline_queries.h"

namespace miniter::storage::mysql {

absl::StatusOr<std::optional<TierPage>> TierTimelineReader::ReadOrBuildEntry(
    const TimelinePageQuery& query) {
  absl::StatusOr<std::optional<TierPage>> read =
      tier_.Read(query.user_id, query.before_tweet_id, query.limit);
  if (!read.ok()) return std::nullopt;
  if (read->has_value()) return read;
  // A miss: register the rebuild before reading the snapshot, so that an
  // invalidation in between makes the tier refuse it (FinishBuild).
  absl::StatusOr<std::string> token = tier_.BeginBuild(query.user_id);
  if (!token.ok()) return std::nullopt;
  if (token->empty()) {  // another server completed it meanwhile
    read = tier_.Read(query.user_id, query.before_tweet_id, query.limit);
    if (!read.ok()) return std::nullopt;
    return read;
  }
  TierSnapshot snapshot;
  absl::Status status =
      RunWithRetry(*pool_, acquire_timeout_, "ReadTierSnapshot",
                   [&](PooledConnection& connection) {
                     return ReadTierSnapshot(connection, query.user_id,
                                             retention_, snapshot);
                   });
  if (!status.ok()) return status;
  (void)tier_.FinishBuild(query.user_id, *token, snapshot);
  const TweetId before = query.before_tweet_id != 0
                             ? query.before_tweet_id
                             : std::numeric_limits<TweetId>::max();
  return PageFromSnapshot(snapshot, before,
                          static_cast<std::size_t>(query.limit));
}

absl::StatusOr<std::optional<std::vector<TweetRecord>>>
TierTimelineReader::Read(const TimelinePageQuery& query) {
  if (!tier_.Usable() || query.limit <= 0) return std::nullopt;
  const std::size_t limit = static_cast<std::size_t>(query.limit);
  const TweetId before = query.before_tweet_id != 0
                             ? query.before_tweet_id
                             : std::numeric_limits<TweetId>::max();
  absl::StatusOr<std::optional<TierPage>> entry = ReadOrBuildEntry(query);
  if (!entry.ok()) return entry.status();
  if (!entry->has_value()) return std::nullopt;
  TierPage& page = **entry;

  std::vector<TweetId> ids = std::move(page.ids);
  if (!page.merged_followees.empty()) {
    if (merged_cache_ == nullptr) return std::nullopt;
    const TweetId lower =
        ids.size() >= limit ? std::max(page.floor, ids[limit - 1]) : page.floor;
    const absl::Time now = now_();
    for (UserId author : page.merged_followees) {
      // Missing, stale or not covering the range: the database path loads
      // it (and the background refresher keeps read authors fresh).
      if (merged_cache_->Collect(author, before, lower, limit, now, ids) !=
          MergedAuthorCache::Lookup::kHit) {
        return std::nullopt;
      }
    }
  }
  KeepNewestUnique(ids, limit);
  // Short of a page: below the floor the entry no longer has ids the
  // database still has (the database path serves that page); at or below
  // the horizon the direct query does, as without a tier.
  if (ids.size() < limit && page.floor > page.horizon) return std::nullopt;
  const bool needs_fallback = ids.size() < limit && page.horizon > 0;
  if (needs_fallback && query.admit_expensive_read) {
    absl::Status admitted = query.admit_expensive_read();
    if (!admitted.ok()) return admitted;
  }

  std::vector<TweetRecord> tweets;
  if (!needs_fallback && tweet_cache_ != nullptr) {
    std::vector<bool> hit;
    if (tweet_cache_->Lookup(ids, tweets, hit) == ids.size()) return tweets;
    tweets.clear();
  }
  absl::Status status = RunWithRetry(
      *pool_, acquire_timeout_, "ReadTimelinePage",
      [&](PooledConnection& connection) -> absl::Status {
        tweets.clear();
        std::vector<TweetId> page_ids = ids;
        if (needs_fallback) {
          ReadFallbackIds(connection, query.user_id, before, page.horizon,
                          limit - page_ids.size(), page_ids);
        }
        FetchTweets(connection, page_ids, tweet_cache_, tweets);
        return absl::OkStatus();
      });
  if (!status.ok()) return status;
  return tweets;  // an entry exists only for a user that exists
}

}  // namespace miniter::storage::mysql
