// mysql_tweet_store.cc: the tweets table and the timeline query.
#include "server/storage/mysql/mysql_tweet_store.h"

#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <utility>

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include "absl/status/status.h"
#include "server/storage/mysql/query_runner.h"

namespace miniter::storage::mysql {
namespace {

constexpr const char* kInsertTweet =
    "INSERT INTO tweets (user_id, text, created_at) "
    "VALUES (?, ?, UTC_TIMESTAMP(6))";
// Reads back what was stored (and the author's name) in the shape of a
// timeline row; LAST_INSERT_ID() is per session.
constexpr const char* kSelectInsertedTweet =
    "SELECT t.id, t.user_id, u.name, t.text, "
    MINITER_SQL_UNIX_MICROS("t.created_at")
    " FROM tweets t JOIN users u ON u.id = t.user_id"
    " WHERE t.id = LAST_INSERT_ID()";
// The authors come from a derived table so MariaDB walks the
// (user_id, id) index once per author and sorts only those rows. The
// plainer "t.user_id IN (SELECT ? UNION ALL SELECT followee_id ...)" form
// runs as a dependent subquery over a backwards scan of the whole tweets
// table (EXPLAIN on MariaDB 10.11: type=range on PRIMARY, ~all rows), which
// is slowest for users whose follows rarely post. UNION (not UNION ALL)
// makes each author appear once, so each tweet appears once.
constexpr const char* kSelectTimelinePage =
    "SELECT t.id, t.user_id, u.name, t.text, "
    MINITER_SQL_UNIX_MICROS("t.created_at")
    " FROM (SELECT ? AS user_id"
    "       UNION SELECT followee_id FROM follows WHERE follower_id = ?) a"
    " JOIN tweets t ON t.user_id = a.user_id AND t.id < ?"
    " JOIN users u ON u.id = t.user_id"
    " ORDER BY t.id DESC LIMIT ?";

TweetRecord ReadTweetRow(sql::ResultSet& rows) {
  TweetRecord tweet;
  tweet.id = rows.getUInt64(1);
  tweet.author_id = rows.getUInt64(2);
  tweet.author_name = rows.getString(3);
  tweet.text = rows.getString(4);
  tweet.created_at = TimeFromUnixMicros(rows.getInt64(5));
  return tweet;
}

}  // namespace

MySqlTweetStore::MySqlTweetStore(std::shared_ptr<ConnectionPool> pool,
                                 absl::Duration acquire_timeout)
    : pool_(std::move(pool)), acquire_timeout_(acquire_timeout) {}

absl::StatusOr<TweetRecord> MySqlTweetStore::CreateTweet(UserId author_id,
                                                         std::string_view text) {
  TweetRecord tweet;
  // Autocommit: the INSERT is committed (durable with
  // innodb_flush_log_at_trx_commit=1) before the read-back starts.
  absl::Status status = RunWithRetry(
      *pool_, acquire_timeout_, "CreateTweet",
      [&](PooledConnection& connection) -> absl::Status {
        sql::PreparedStatement& insert = connection.Prepare(kInsertTweet);
        insert.setUInt64(1, author_id);
        insert.setString(2, std::string(text));
        insert.executeUpdate();  // unknown author: FK error 1452, NOT_FOUND

        sql::PreparedStatement& select =
            connection.Prepare(kSelectInsertedTweet);
        std::unique_ptr<sql::ResultSet> rows(select.executeQuery());
        if (!rows->next()) return absl::InternalError("internal storage error");
        tweet = ReadTweetRow(*rows);
        return absl::OkStatus();
      });
  if (!status.ok()) return status;
  return tweet;
}

absl::StatusOr<std::vector<TweetRecord>> MySqlTweetStore::ReadTimelinePage(
    const TimelinePageQuery& query) {
  std::vector<TweetRecord> tweets;
  absl::Status status = RunWithRetry(
      *pool_, acquire_timeout_, "ReadTimelinePage",
      [&](PooledConnection& connection) -> absl::Status {
        tweets.clear();  // a retried attempt starts over
        if (query.limit > 0) {
          sql::PreparedStatement& select =
              connection.Prepare(kSelectTimelinePage);
          select.setUInt64(1, query.user_id);
          select.setUInt64(2, query.user_id);
          select.setUInt64(3, query.before_tweet_id != 0
                                  ? query.before_tweet_id
                                  : std::numeric_limits<std::uint64_t>::max());
          select.setInt(4, query.limit);
          std::unique_ptr<sql::ResultSet> rows(select.executeQuery());
          while (rows->next()) tweets.push_back(ReadTweetRow(*rows));
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
