// user_tweets_reader.h: the pages of UserTweets (one author's own tweets,
// newest first), read from MariaDB.
#ifndef MINITER_SERVER_STORAGE_MYSQL_USER_TWEETS_READER_H_
#define MINITER_SERVER_STORAGE_MYSQL_USER_TWEETS_READER_H_

#include <memory>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "server/storage/mysql/connection_pool.h"
#include "server/storage/mysql/tweet_record_cache.h"
#include "server/storage/records.h"

namespace miniter::storage::mysql {

// Thread-safe. The cache may be null (off) and must outlive the reader.
class UserTweetsReader {
 public:
  UserTweetsReader(std::shared_ptr<ConnectionPool> pool,
                   absl::Duration acquire_timeout,
                   TweetRecordCache* tweet_cache)
      : pool_(std::move(pool)),
        acquire_timeout_(acquire_timeout),
        tweet_cache_(tweet_cache) {}

  // TweetStore::ReadUserTweetsPage's contract.
  absl::StatusOr<std::vector<TweetRecord>> Read(const UserTweetsQuery& query);

 private:
  std::shared_ptr<ConnectionPool> pool_;
  absl::Duration acquire_timeout_;
  TweetRecordCache* tweet_cache_;
};

}  // namespace miniter::storage::mysql

#endif  // MINITER_SERVER_STORAGE_MYSQL_USER_TWEETS_READER_H_
