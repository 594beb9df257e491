// tweet_writer.h: the write path of a tweet: one durable transaction that
// stores it (deduplicated by request id), fans it out into the home
// timelines of the author and their followers, trims them, and records it
// for the memory tier; then the tier and the merged-author cache learn it.
// docs/timeline-design.md ("Write path") explains the design.
#ifndef MINITER_SERVER_STORAGE_MYSQL_TWEET_WRITER_H_
#define MINITER_SERVER_STORAGE_MYSQL_TWEET_WRITER_H_

#include <memory>
#include <string_view>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "server/storage/mysql/connection_pool.h"
#include "server/storage/mysql/merged_author_cache.h"
#include "server/storage/mysql/tier_outbox.h"
#include "server/storage/mysql/timeline_options.h"
#include "server/storage/records.h"

namespace miniter::storage::mysql {

// Thread-safe. `merged_cache` and `outbox` may be null (off); both outlive
// the writer.
class TweetWriter {
 public:
  TweetWriter(std::shared_ptr<ConnectionPool> pool,
              absl::Duration acquire_timeout, TimelineOptions timeline,
              MergedAuthorCache* merged_cache, TierOutbox* outbox)
      : pool_(std::move(pool)),
        acquire_timeout_(acquire_timeout),
        timeline_(std::move(timeline)),
        merged_cache_(merged_cache),
        outbox_(outbox) {}

  // TweetStore::CreateTweet's contract.
  absl::StatusOr<TweetRecord> CreateTweet(UserId author_id,
                                          std::string_view text,
                                          std::string_view request_id);

 private:
  std::shared_ptr<ConnectionPool> pool_;
  absl::Duration acquire_timeout_;
  TimelineOptions timeline_;
  MergedAuthorCache* merged_cache_;
  TierOutbox* outbox_;
};

}  // namespace miniter::storage::mysql

#endif  // MINITER_SERVER_STORAGE_MYSQL_TWEET_WRITER_H_
