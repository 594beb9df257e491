// user_tweets_reader.cc: the SQL of a UserTweets page (see the header).
#include "server/storage/mysql/user_tweets_reader.h"

#include <limits>
#include <memory>

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include "absl/status/status.h"
#include "server/storage/mysql/query_runner.h"
#include "server/storage/mysql/timeline_queries.h"

namespace miniter::storage::mysql {
namespace {

// One backwards range of ix_tweets_user_id_id (user_id, id), covering: the
// page's ids without touching a row. The records then come from the tweet
// cache that timelines share, or by primary key (FetchTweets), so an
// author whose profile many people read costs one index range per page.
constexpr const char* kSelectUserTweetIds =
    "SELECT id FROM tweets FORCE INDEX (ix_tweets_user_id_id)"
    " WHERE user_id = ? AND id < ? ORDER BY id DESC LIMIT ?";

}  // namespace

absl::StatusOr<std::vector<TweetRecord>> UserTweetsReader::Read(
    const UserTweetsQuery& query) {
  std::vector<TweetRecord> tweets;
  absl::Status status = RunWithRetry(
      *pool_, acquire_timeout_, "ReadUserTweetsPage",
      [&](PooledConnection& connection) -> absl::Status {
        tweets.clear();  // a retried attempt starts over
        std::vector<TweetId> ids;
        sql::PreparedStatement& select =
            connection.Prepare(kSelectUserTweetIds);
        select.setUInt64(1, query.user_id);
        select.setUInt64(2, query.before_tweet_id != 0
                                ? query.before_tweet_id
                                : std::numeric_limits<TweetId>::max());
        select.setInt(3, query.limit);
        {
          std::unique_ptr<sql::ResultSet> rows(select.executeQuery());
          while (rows->next()) ids.push_back(rows->getUInt64(1));
        }
        FetchTweets(connection, ids, tweet_cache_, tweets);
        // Only an empty page can hide an unknown user.
        if (!tweets.empty()) return absl::OkStatus();
        return CheckUserExistsOn(connection, query.user_id);
      });
  if (!status.ok()) return status;
  return tweets;
}

}  // namespace miniter::storage::mysql
