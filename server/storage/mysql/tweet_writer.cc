// tweet_writer.cc: the SQL of a tweet's write path (see the header).
#include "server/storage/mysql/tweet_writer.h"

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <cppconn/exception.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include "absl/random/random.h"
#include "absl/status/status.h"
#include "server/storage/mysql/home_timeline.h"
#include "server/storage/mysql/mysql_error_codes.h"
#include "server/storage/mysql/query_runner.h"
#include "server/storage/mysql/timeline_queries.h"
#include "server/storage/mysql/transaction_guard.h"

namespace miniter::storage::mysql {
namespace {

// RETURNING (MariaDB 10.5+) hands back the id and the stored time in the
// insert's own round trip; the author's name comes with the merged flag.
constexpr const char* kInsertTweet =
    "INSERT INTO tweets (user_id, text, created_at) "
    "VALUES (?, ?, UTC_TIMESTAMP(6)) "
    "RETURNING id, text, " MINITER_SQL_UNIX_MICROS("created_at");
// Request ids (sql/migrations/0003_tweet_request_ids.sql): a retried
// Tweet finds the tweet its first attempt stored.
constexpr const char* kSelectTweetByRequestId =
    "SELECT t.id, t.user_id, u.name, t.text, "
    MINITER_SQL_UNIX_MICROS("t.created_at")
    " FROM tweet_request_ids r JOIN tweets t ON t.id = r.tweet_id"
    " JOIN users u ON u.id = t.user_id"
    " WHERE r.user_id = ? AND r.request_id = ?";
constexpr const char* kInsertRequestId =
    "INSERT INTO tweet_request_ids (user_id, request_id, tweet_id) "
    "VALUES (?, ?, ?)";

// The merged flag is sticky, so a plain read that says "merged" is final
// and takes no lock; that keeps a hot author's tweets from queueing behind
// follows of them. "Not merged" must be re-read under a shared lock. The
// author's name rides along (names never change, and the user row exists:
// the tweet's foreign key was just checked).
constexpr const char* kSelectAuthorNameAndMerged =
    "SELECT u.name, f.merged_at_read FROM users u "
    "LEFT JOIN author_fanout f ON f.user_id = u.id WHERE u.id = ?";
// The shared lock orders this tweet's fan-out against Follow and Unfollow
// of the author, which update the same row exclusively before touching
// home rows: either they commit first and the fan-out (a fresh READ
// COMMITTED read of follows) sees their edge, or this commits first and
// their backfill/delete sees this tweet.
constexpr const char* kSelectMergedForShare =
    "SELECT merged_at_read FROM author_fanout WHERE user_id = ? "
    "LOCK IN SHARE MODE";
// Authors get their row with their first follow or tweet; a locking read
// of a missing row locks nothing under READ COMMITTED, so create it (the
// insert's own lock then does the ordering).
constexpr const char* kCreateAuthorFanout =
    "INSERT IGNORE INTO author_fanout (user_id, follower_count, "
    "merged_at_read) VALUES (?, 0, 0)";
// The author's own row is written even when they are merged at read, so
// read-your-writes holds from the moment the tweet commits.
constexpr const char* kInsertOwnHomeRow =
    "INSERT INTO home_timeline (owner_id, tweet_id, author_id) "
    "VALUES (?, ?, ?)";
// One statement for the author's own row and all followers' (an index
// range on ix_follows_followee_created, fewer than fanout_threshold rows).
// RETURNING lists the owners that got a row, from which the server picks
// the ones to trim, without reading the follow list a second time.
constexpr const char* kFanOut =
    "INSERT INTO home_timeline (owner_id, tweet_id, author_id) "
    "SELECT ?, ?, ? UNION ALL "
    "SELECT follower_id, ?, ? FROM follows WHERE followee_id = ? "
    "RETURNING owner_id";

struct AuthorForFanOut {
  std::string name;
  bool merged = false;
};

// The author's name, and whether they are merged at read, holding the lock
// that orders this transaction's fan-out against follows and unfollows of
// `author` unless the answer is "merged" (final, needs no lock).
AuthorForFanOut ReadAuthorForFanOut(PooledConnection& connection,
                                    UserId author) {
  AuthorForFanOut result;
  {
    sql::PreparedStatement& plain =
        connection.Prepare(kSelectAuthorNameAndMerged);
    plain.setUInt64(1, author);
    std::unique_ptr<sql::ResultSet> rows(plain.executeQuery());
    if (rows->next()) {
      result.name = rows->getString(1);
      if (!rows->isNull(2) && rows->getInt(2) != 0) {
        result.merged = true;
        return result;
      }
    }
  }
  for (int attempt = 0; attempt < 2; ++attempt) {
    sql::PreparedStatement& locked = connection.Prepare(kSelectMergedForShare);
    locked.setUInt64(1, author);
    std::unique_ptr<sql::ResultSet> rows(locked.executeQuery());
    if (rows->next()) {
      result.merged = rows->getInt(1) != 0;
      return result;
    }
    sql::PreparedStatement& create = connection.Prepare(kCreateAuthorFanout);
    create.setUInt64(1, author);
    create.executeUpdate();
  }
  return result;  // not reached: the row exists after the insert
}

}  // namespace

absl::StatusOr<TweetRecord> TweetWriter::CreateTweet(
    UserId author_id, std::string_view text, std::string_view request_id) {
  TweetRecord tweet;
  bool merged = false;
  // The owners whose home timeline got the tweet, and the outbox row that
  // carries it to the memory tier (0: none).
  std::vector<UserId> owners;
  std::uint64_t outbox_row = 0;
  absl::Status status = RunWithRetry(
      *pool_, acquire_timeout_, "CreateTweet",
      [&](PooledConnection& connection) -> absl::Status {
        owners.clear();  // a retried attempt starts over
        outbox_row = 0;
        if (!request_id.empty()) {
          // A retry of a tweet already stored: return it, write nothing.
          sql::PreparedStatement& find =
              connection.Prepare(kSelectTweetByRequestId);
          find.setUInt64(1, author_id);
          find.setString(2, std::string(request_id));
          std::unique_ptr<sql::ResultSet> rows(find.executeQuery());
          if (rows->next()) {
            tweet = ReadTweetRow(*rows);
            merged = false;  // nothing new for the cache
            return absl::OkStatus();
          }
        }
        TransactionGuard transaction(connection);
        {
          sql::PreparedStatement& insert = connection.Prepare(kInsertTweet);
          insert.setUInt64(1, author_id);
          insert.setString(2, std::string(text));
          // Unknown author: FK error 1452, NOT_FOUND.
          std::unique_ptr<sql::ResultSet> rows(insert.executeQuery());
          if (!rows->next()) {
            return absl::InternalError("internal storage error");
          }
          tweet.id = rows->getUInt64(1);
          tweet.author_id = author_id;
          tweet.text = rows->getString(2);
          tweet.created_at = TimeFromUnixMicros(rows->getInt64(3));
        }
        if (!request_id.empty()) {
          sql::PreparedStatement& remember =
              connection.Prepare(kInsertRequestId);
          remember.setUInt64(1, author_id);
          remember.setString(2, std::string(request_id));
          remember.setUInt64(3, tweet.id);
          try {
            // Waits for a concurrent insert of the same key to finish.
            remember.executeUpdate();
          } catch (const sql::SQLException& e) {
            if (e.getErrorCode() != kErrDupEntry) throw;
            // A concurrent call with this id committed first: roll ours
            // back; RunWithRetry retries ABORTED, and the retry's lookup
            // above returns the tweet that call stored.
            return absl::AbortedError(
                "a concurrent Tweet with the same request_id; try again");
          }
        }

        AuthorForFanOut author = ReadAuthorForFanOut(connection, author_id);
        tweet.author_name = std::move(author.name);
        merged = author.merged;
        // Each owner that just got a row (the author included) is trimmed
        // with probability 1/trim_one_in.
        thread_local absl::BitGen bitgen;
        std::vector<UserId> to_trim;
        if (merged) {
          // Only the author's own row: read-your-writes from the commit on.
          sql::PreparedStatement& own = connection.Prepare(kInsertOwnHomeRow);
          own.setUInt64(1, author_id);
          own.setUInt64(2, tweet.id);
          own.setUInt64(3, author_id);
          own.executeUpdate();
          owners.push_back(author_id);
          if (absl::Uniform(bitgen, 0, timeline_.trim_one_in) == 0) {
            to_trim.push_back(author_id);
          }
        } else {
          sql::PreparedStatement& fan_out = connection.Prepare(kFanOut);
          fan_out.setUInt64(1, author_id);
          fan_out.setUInt64(2, tweet.id);
          fan_out.setUInt64(3, author_id);
          fan_out.setUInt64(4, tweet.id);
          fan_out.setUInt64(5, author_id);
          fan_out.setUInt64(6, author_id);
          std::unique_ptr<sql::ResultSet> rows(fan_out.executeQuery());
          while (rows->next()) {
            owners.push_back(rows->getUInt64(1));
            if (absl::Uniform(bitgen, 0, timeline_.trim_one_in) == 0) {
              to_trim.push_back(owners.back());
            }
          }
        }
        // Ascending owner order, so concurrent trims lock horizon rows in
        // one order.
        std::sort(to_trim.begin(), to_trim.end());
        for (UserId owner : to_trim) {
          TrimHomeTimeline(connection, owner, timeline_.retention);
        }
        if (outbox_ != nullptr) {
          outbox_row = TierOutbox::Record(connection, TierOutbox::Kind::kTweet,
                                          tweet.id, author_id);
        }
        transaction.Commit();  // durable: innodb_flush_log_at_trx_commit=1
        return absl::OkStatus();
      });
  if (!status.ok()) return status;
  // After the commit, so the cache never holds an id a reader cannot
  // fetch: followers reading through this server see the tweet at once.
  if (merged && merged_cache_ != nullptr) {
    merged_cache_->AddTweet(author_id, tweet.id);
  }
  // Before the answer, so the author's own entry has the tweet on every
  // server (read-your-writes); followers' entries in the same call.
  if (outbox_row != 0) outbox_->ApplyTweet(outbox_row, owners, tweet.id);
  return tweet;
}

}  // namespace miniter::storage::mysql
