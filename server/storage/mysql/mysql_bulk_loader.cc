// mysql_bulk_loader.cc: multi-row inserts and the set-based FinishLoad
// rebuild (see mysql_bulk_loader.h and docs/timeline-design.md).
#include "server/storage/mysql/mysql_bulk_loader.h"

#include <algorithm>
#include <cstdint>
#include <exception>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <cppconn/exception.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "server/storage/mysql/mysql_error.h"
#include "server/storage/mysql/query_runner.h"
#include "server/storage/mysql/transaction_guard.h"

namespace miniter::storage::mysql {
namespace {

// Rows per INSERT: large enough that round trips stop mattering, small
// enough to stay far below max_allowed_packet (1000 tweets of 300 emoji
// are 1.2 MB) and the 65535 placeholders of a prepared statement.
constexpr std::size_t kRowsPerStatement = 1000;
// Owners rebuilt per FinishLoad transaction: ~1,000 candidate rows each
// keeps one window-function sort in memory and one transaction's undo log
// small.
constexpr std::size_t kOwnersPerBatch = 500;

// Also: FinishLoad's window sorts fit in memory at these sizes; spilled to
// on-disk temporary tables they run several times slower.
constexpr const char* kSessionSetup =
    "SET SESSION unique_checks = 0, foreign_key_checks = 0,"
    " tmp_table_size = 268435456, max_heap_table_size = 268435456";
constexpr const char* kSelectAutoIncrementMode =
    "SELECT @@innodb_autoinc_lock_mode, @@auto_increment_increment";
constexpr const char* kSelectLastInsertId = "SELECT LAST_INSERT_ID()";

constexpr const char* kInsertUsersPrefix =
    "INSERT INTO users (name, email, email_key, name_key, password_hash, "
    "profile, created_at) VALUES ";
constexpr const char* kUserRow =
    "(?, ?, ?, NULLIF(?, ''), ?, ?, UTC_TIMESTAMP(6))";
// IGNORE: the contract says duplicate edges are ignored. With
// foreign_key_checks off it can hide nothing else but the self-follow CHECK.
constexpr const char* kInsertFollowsPrefix =
    "INSERT IGNORE INTO follows (follower_id, followee_id, created_at) VALUES ";
constexpr const char* kFollowRow = "(?, ?, UTC_TIMESTAMP(6))";
constexpr const char* kInsertTweetsPrefix =
    "INSERT INTO tweets (user_id, text, created_at) VALUES ";
constexpr const char* kTweetRow = "(?, ?, ?)";
constexpr const char* kInsertTouchedPrefix =
    "INSERT IGNORE INTO bulk_touched (user_id) VALUES ";
constexpr const char* kTouchedRow = "(?)";

// Session-private work tables: the users this load touched, and the owners
// whose home timelines FinishLoad rebuilds.
constexpr const char* kCreateTouched =
    "CREATE TEMPORARY TABLE IF NOT EXISTS bulk_touched ("
    " user_id BIGINT UNSIGNED NOT NULL PRIMARY KEY) ENGINE=InnoDB";
constexpr const char* kCreateOwners =
    "CREATE TEMPORARY TABLE IF NOT EXISTS bulk_owners ("
    " owner_id BIGINT UNSIGNED NOT NULL PRIMARY KEY) ENGINE=InnoDB";
// Each candidate author's newest depth+1 tweets: no older tweet can be
// among an owner's newest depth+1, so the per-owner window below reads at
// most depth+1 tweets per followee however prolific the followee is. The
// authors come from a derived table: written as "user_id IN (...)", MariaDB
// 10.11 scans all of tweets with a dependent subquery per row.
constexpr const char* kCreateRecent =
    "CREATE TEMPORARY TABLE IF NOT EXISTS bulk_recent ("
    " author_id BIGINT UNSIGNED NOT NULL, tweet_id BIGINT UNSIGNED NOT NULL,"
    " PRIMARY KEY (author_id, tweet_id)) ENGINE=InnoDB";
constexpr const char* kClearTouched = "DELETE FROM bulk_touched";
constexpr const char* kClearOwners = "DELETE FROM bulk_owners";
constexpr const char* kClearRecent = "DELETE FROM bulk_recent";
constexpr const char* kFillRecent =
    "INSERT INTO bulk_recent (author_id, tweet_id)"
    " SELECT r.user_id, r.id FROM ("
    "  SELECT t.user_id, t.id, ROW_NUMBER() OVER ("
    "    PARTITION BY t.user_id ORDER BY t.id DESC) AS rn"
    "  FROM (SELECT f.followee_id AS author_id FROM bulk_owners o"
    "          JOIN follows f ON f.follower_id = o.owner_id"
    "        UNION SELECT owner_id FROM bulk_owners) a"
    "  JOIN tweets t ON t.user_id = a.author_id"
    " ) r WHERE r.rn <= ?";

// Follower counts from the follows index; merged stays set once set
// (the flag is sticky for the same reason as in Follow).
constexpr const char* kRecountFollowers =
    "INSERT INTO author_fanout (user_id, follower_count, merged_at_read)"
    " SELECT t.user_id, COUNT(f.follower_id), COUNT(f.follower_id) >= ?"
    " FROM bulk_touched t"
    " LEFT JOIN follows f ON f.followee_id = t.user_id"
    " GROUP BY t.user_id"
    " ON DUPLICATE KEY UPDATE follower_count = VALUES(follower_count),"
    " merged_at_read = merged_at_read OR VALUES(merged_at_read)";
// The public follow counts (GetUser) of the touched users, counted on the
// two follows indexes.
constexpr const char* kRecountFollowEdges =
    "INSERT INTO user_follow_counts (user_id, follower_count,"
    " following_count)"
    " SELECT t.user_id,"
    " (SELECT COUNT(*) FROM follows f WHERE f.followee_id = t.user_id),"
    " (SELECT COUNT(*) FROM follows f WHERE f.follower_id = t.user_id)"
    " FROM bulk_touched t"
    " ON DUPLICATE KEY UPDATE follower_count = VALUES(follower_count),"
    " following_count = VALUES(following_count)";
// Owners to rebuild: touched users and every follower of one (a loaded
// tweet of theirs belongs in those timelines).
constexpr const char* kOwnersFromTouched =
    "INSERT IGNORE INTO bulk_owners (owner_id) SELECT user_id FROM "
    "bulk_touched";
constexpr const char* kOwnersFromFollowers =
    "INSERT IGNORE INTO bulk_owners (owner_id)"
    " SELECT f.follower_id FROM bulk_touched t"
    " JOIN follows f ON f.followee_id = t.user_id";
constexpr const char* kSelectOwners =
    "SELECT owner_id FROM bulk_owners ORDER BY owner_id";

// Per batch of owners [lo, hi] (all statements join bulk_owners so users in
// that id range that this load did not touch are left alone).
constexpr const char* kDeleteOwnerRows =
    "DELETE h FROM bulk_owners o"
    " JOIN home_timeline h ON h.owner_id = o.owner_id"
    " WHERE o.owner_id BETWEEN ? AND ?";
constexpr const char* kDeleteOwnerHorizons =
    "DELETE s FROM bulk_owners o"
    " JOIN home_timeline_horizons s ON s.owner_id = o.owner_id"
    " WHERE o.owner_id BETWEEN ? AND ?";
// The newest depth+1 candidates per owner (own tweets, and tweets of
// followees not merged at read), numbered by a window function over the
// batch: every candidate is read once through follows' primary key and
// bulk_recent's, and sorted once (in memory).
constexpr const char* kMaterialize =
    "INSERT INTO home_timeline (owner_id, tweet_id, author_id)"
    " SELECT r.owner_id, r.tweet_id, r.author_id FROM ("
    "  SELECT c.owner_id, c.tweet_id, c.author_id, ROW_NUMBER() OVER ("
    "    PARTITION BY c.owner_id ORDER BY c.tweet_id DESC) AS rn"
    "  FROM (SELECT o.owner_id, t.tweet_id, t.author_id"
    "          FROM bulk_owners o"
    "          JOIN follows f ON f.follower_id = o.owner_id"
    "          LEFT JOIN author_fanout a ON a.user_id = f.followee_id"
    "          JOIN bulk_recent t ON t.author_id = f.followee_id"
    "         WHERE o.owner_id BETWEEN ? AND ?"
    "           AND COALESCE(a.merged_at_read, 0) = 0"
    "        UNION ALL"
    "        SELECT o.owner_id, t.tweet_id, t.author_id"
    "          FROM bulk_owners o"
    "          JOIN bulk_recent t ON t.author_id = o.owner_id"
    "         WHERE o.owner_id BETWEEN ? AND ?) c"
    " ) r WHERE r.rn <= ?";
// An owner with more than `depth` candidates got depth+1 rows: the last is
// the newest one not kept, i.e. the horizon...
constexpr const char* kSetHorizons =
    "INSERT INTO home_timeline_horizons (owner_id, horizon)"
    " SELECT h.owner_id, MIN(h.tweet_id) FROM bulk_owners o"
    " JOIN home_timeline h ON h.owner_id = o.owner_id"
    " WHERE o.owner_id BETWEEN ? AND ?"
    " GROUP BY h.owner_id HAVING COUNT(*) > ?";
// ...and is then deleted, leaving exactly `depth` rows.
constexpr const char* kDeleteAtHorizon =
    "DELETE h FROM bulk_owners o"
    " JOIN home_timeline_horizons s ON s.owner_id = o.owner_id"
    " JOIN home_timeline h ON h.owner_id = o.owner_id"
    "  AND h.tweet_id <= s.horizon"
    " WHERE o.owner_id BETWEEN ? AND ?";

std::string MultiRowSql(const char* prefix, const char* row,
                        std::size_t count) {
  std::vector<absl::string_view> rows(count, row);
  return absl::StrCat(prefix, absl::StrJoin(rows, ","));
}

// Calls insert(begin, count) over [0, n): statements of kRowsPerStatement
// rows, then the rest in powers of two, so each table needs at most 11
// statement texts (the connection caches them prepared).
template <typename InsertPiece>
void ForEachPiece(std::size_t n, InsertPiece insert) {
  std::size_t begin = 0;
  while (n - begin >= kRowsPerStatement) {
    insert(begin, kRowsPerStatement);
    begin += kRowsPerStatement;
  }
  for (std::size_t piece = 512; piece >= 1; piece /= 2) {
    while (n - begin >= piece) {
      insert(begin, piece);
      begin += piece;
    }
  }
}

std::string DatetimeString(absl::Time t) {
  return absl::FormatTime("%Y-%m-%d %H:%M:%E6S", t, absl::UTCTimeZone());
}

}  // namespace

MySqlBulkLoader::MySqlBulkLoader(ConnectionSettings settings,
                                 TimelineOptions timeline)
    : settings_(std::move(settings)), timeline_(std::move(timeline)) {}

MySqlBulkLoader::~MySqlBulkLoader() = default;

absl::Status MySqlBulkLoader::Run(
    absl::string_view operation,
    absl::FunctionRef<absl::Status(PooledConnection&)> body) {
  EnsureDriverThreadInit();
  if (connection_ == nullptr || connection_->unusable()) {
    connection_.reset();
    absl::StatusOr<std::unique_ptr<PooledConnection>> opened =
        OpenPooledConnection(settings_);
    if (!opened.ok()) return opened.status();
    try {
      (*opened)->Execute(kSessionSetup);
      sql::PreparedStatement& mode =
          (*opened)->Prepare(kSelectAutoIncrementMode);
      std::unique_ptr<sql::ResultSet> rows(mode.executeQuery());
      if (!rows->next() || rows->getInt(1) == 2 || rows->getInt(2) != 1) {
        return absl::FailedPreconditionError(
            "bulk loading needs innodb_autoinc_lock_mode 0 or 1 and "
            "auto_increment_increment 1 (consecutive ids per INSERT)");
      }
    } catch (const sql::SQLException& e) {
      return MapSqlError(e.getErrorCode(), e.getSQLState(), e.what(),
                         operation);
    }
    connection_ = *std::move(opened);
  }
  try {
    return body(*connection_);
  } catch (const sql::SQLException& e) {
    if (IsConnectionError(e.getErrorCode(), e.getSQLState(), e.what())) {
      connection_.reset();
    }
    return MapSqlError(e.getErrorCode(), e.getSQLState(), e.what(), operation);
  } catch (const std::exception& e) {
    LogStorageLine(absl::StrCat(operation, ": ", e.what()));
    connection_.reset();
    return absl::InternalError("internal storage error");
  }
}

void MySqlBulkLoader::CompactTouched(bool force) {
  if (!force && touched_.size() < 2 * touched_compacted_size_ + (1u << 20)) {
    return;
  }
  std::sort(touched_.begin(), touched_.end());
  touched_.erase(std::unique(touched_.begin(), touched_.end()), touched_.end());
  touched_compacted_size_ = touched_.size();
}

absl::StatusOr<std::vector<UserId>> MySqlBulkLoader::InsertUsers(
    const std::vector<NewUser>& users) {
  std::vector<UserId> ids;
  absl::Status status = Run(
      "BulkLoader::InsertUsers",
      [&](PooledConnection& connection) -> absl::Status {
        ids.clear();
        ids.reserve(users.size());
        TransactionGuard transaction(connection);
        ForEachPiece(users.size(), [&](std::size_t begin, std::size_t count) {
          sql::PreparedStatement& insert = connection.Prepare(
              MultiRowSql(kInsertUsersPrefix, kUserRow, count));
          unsigned int p = 1;
          for (std::size_t i = begin; i < begin + count; ++i) {
            const NewUser& user = users[i];
            insert.setString(p++, user.name);
            insert.setString(p++, user.email);
            insert.setString(p++, user.email_key);
            insert.setString(p++, user.name_key);
            insert.setString(p++, user.password_hash);
            insert.setString(p++, user.profile);
          }
          insert.executeUpdate();
          // One multi-row INSERT gets consecutive ids (checked lock mode);
          // LAST_INSERT_ID() is the first.
          sql::PreparedStatement& last =
              connection.Prepare(kSelectLastInsertId);
          std::unique_ptr<sql::ResultSet> rows(last.executeQuery());
          rows->next();
          const UserId first = rows->getUInt64(1);
          for (std::size_t i = 0; i < count; ++i) ids.push_back(first + i);
        });
        transaction.Commit();
        return absl::OkStatus();
      });
  if (!status.ok()) return status;
  for (UserId id : ids) Touch(id);
  CompactTouched(false);
  return ids;
}

absl::Status MySqlBulkLoader::InsertFollows(
    const std::vector<std::pair<UserId, UserId>>& edges) {
  absl::Status status = Run(
      "BulkLoader::InsertFollows",
      [&](PooledConnection& connection) -> absl::Status {
        TransactionGuard transaction(connection);
        ForEachPiece(edges.size(), [&](std::size_t begin, std::size_t count) {
          sql::PreparedStatement& insert = connection.Prepare(
              MultiRowSql(kInsertFollowsPrefix, kFollowRow, count));
          unsigned int p = 1;
          for (std::size_t i = begin; i < begin + count; ++i) {
            insert.setUInt64(p++, edges[i].first);
            insert.setUInt64(p++, edges[i].second);
          }
          insert.executeUpdate();
        });
        transaction.Commit();
        return absl::OkStatus();
      });
  if (!status.ok()) return status;
  for (const auto& [follower, followee] : edges) {
    Touch(follower);
    Touch(followee);
  }
  CompactTouched(false);
  return absl::OkStatus();
}

absl::Status MySqlBulkLoader::InsertTweets(
    const std::vector<BulkTweet>& tweets) {
  absl::Status status = Run(
      "BulkLoader::InsertTweets",
      [&](PooledConnection& connection) -> absl::Status {
        TransactionGuard transaction(connection);
        ForEachPiece(tweets.size(), [&](std::size_t begin, std::size_t count) {
          sql::PreparedStatement& insert = connection.Prepare(
              MultiRowSql(kInsertTweetsPrefix, kTweetRow, count));
          unsigned int p = 1;
          for (std::size_t i = begin; i < begin + count; ++i) {
            insert.setUInt64(p++, tweets[i].author_id);
            insert.setString(p++, tweets[i].text);
            insert.setString(p++, DatetimeString(tweets[i].created_at));
          }
          insert.executeUpdate();
        });
        transaction.Commit();
        return absl::OkStatus();
      });
  if (!status.ok()) return status;
  for (const BulkTweet& tweet : tweets) Touch(tweet.author_id);
  CompactTouched(false);
  return absl::OkStatus();
}

absl::Status MySqlBulkLoader::FinishLoad() {
  CompactTouched(true);
  const absl::Time start = absl::Now();
  std::size_t owner_count = 0;
  absl::Status status = Run(
      "BulkLoader::FinishLoad",
      [&](PooledConnection& connection) -> absl::Status {
        connection.Execute(kCreateTouched);
        connection.Execute(kCreateOwners);
        connection.Execute(kCreateRecent);
        connection.Execute(kClearTouched);
        connection.Execute(kClearOwners);
        connection.Execute(kClearRecent);
        ForEachPiece(
            touched_.size(), [&](std::size_t begin, std::size_t count) {
              sql::PreparedStatement& insert = connection.Prepare(
                  MultiRowSql(kInsertTouchedPrefix, kTouchedRow, count));
              for (std::size_t i = 0; i < count; ++i) {
                insert.setUInt64(static_cast<unsigned int>(i + 1),
                                 touched_[begin + i]);
              }
              insert.executeUpdate();
            });
        {
          // Autocommit: one statement, and it must commit before the home
          // timelines are built from the merged flags.
          sql::PreparedStatement& recount =
              connection.Prepare(kRecountFollowers);
          recount.setInt(1, timeline_.fanout_threshold);
          recount.executeUpdate();
        }
        connection.Execute(kRecountFollowEdges);
        connection.Execute(kOwnersFromTouched);
        connection.Execute(kOwnersFromFollowers);
        std::vector<UserId> owners;
        {
          sql::PreparedStatement& select = connection.Prepare(kSelectOwners);
          std::unique_ptr<sql::ResultSet> rows(select.executeQuery());
          while (rows->next()) owners.push_back(rows->getUInt64(1));
        }
        owner_count = owners.size();
        const int depth =
            std::min(timeline_.bulk_load_depth, timeline_.retention);
        {
          sql::PreparedStatement& recent = connection.Prepare(kFillRecent);
          recent.setInt(1, depth + 1);
          recent.executeUpdate();
        }
        for (std::size_t begin = 0; begin < owners.size();
             begin += kOwnersPerBatch) {
          const UserId lo = owners[begin];
          const UserId hi =
              owners[std::min(begin + kOwnersPerBatch, owners.size()) - 1];
          auto run_range = [&](const char* sql_text, int extra = -1) {
            sql::PreparedStatement& statement = connection.Prepare(sql_text);
            statement.setUInt64(1, lo);
            statement.setUInt64(2, hi);
            if (extra >= 0) statement.setInt(3, extra);
            statement.executeUpdate();
          };
          TransactionGuard transaction(connection);
          run_range(kDeleteOwnerRows);
          run_range(kDeleteOwnerHorizons);
          {
            sql::PreparedStatement& materialize =
                connection.Prepare(kMaterialize);
            materialize.setUInt64(1, lo);
            materialize.setUInt64(2, hi);
            materialize.setUInt64(3, lo);
            materialize.setUInt64(4, hi);
            materialize.setInt(5, depth + 1);
            materialize.executeUpdate();
          }
          run_range(kSetHorizons, depth);
          run_range(kDeleteAtHorizon);
          transaction.Commit();
        }
        return absl::OkStatus();
      });
  if (!status.ok()) return status;
  LogStorageLine(absl::StrCat("bulk load: rebuilt home timelines of ",
                              owner_count, " owners (", touched_.size(),
                              " users touched) in ",
                              absl::FormatDuration(absl::Now() - start)));
  touched_.clear();
  touched_compacted_size_ = 0;
  return absl::OkStatus();
}

}  // namespace miniter::storage::mysql
