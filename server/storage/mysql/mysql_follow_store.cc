// mysql_follow_store.cc: Follow and Unfollow: the edge, the followee's
// follower count and merged-at-read flag, both users' public follow counts,
// and the follower's home rows, each in one transaction
// (docs/timeline-design.md).
#include "server/storage/mysql/mysql_follow_store.h"

#include <algorithm>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include <cppconn/exception.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include "absl/status/status.h"
#include "server/storage/mysql/home_timeline.h"
#include "server/storage/mysql/mysql_error_codes.h"
#include "server/storage/mysql/query_runner.h"
#include "server/storage/mysql/transaction_guard.h"

namespace miniter::storage::mysql {
namespace {

// A plain INSERT, so a repeated follow fails with a duplicate key
// (kErrDupEntry) and we can tell "new edge" (count it, backfill) from
// "already following" (change nothing).
// Not INSERT IGNORE: MariaDB turns the foreign-key error for an unknown
// user into a warning under IGNORE, and we need it as NOT_FOUND.
constexpr const char* kInsertFollow =
    "INSERT INTO follows (follower_id, followee_id, created_at) "
    "VALUES (?, ?, UTC_TIMESTAMP(6))";
constexpr const char* kDeleteFollow =
    "DELETE FROM follows WHERE follower_id = ? AND followee_id = ?";
// Takes the followee's author_fanout row exclusively before any home row
// is touched (CreateTweet's fan-out holds it shared; see there). The
// assignments run left to right, so merged_at_read sees the new count;
// once set it stays set.
constexpr const char* kCountFollower =
    "INSERT INTO author_fanout (user_id, follower_count, merged_at_read) "
    "VALUES (?, 1, ?) ON DUPLICATE KEY UPDATE "
    "follower_count = follower_count + 1, "
    "merged_at_read = merged_at_read OR follower_count >= ?";
constexpr const char* kUncountFollower =
    "UPDATE author_fanout SET follower_count = follower_count - 1 "
    "WHERE user_id = ? AND follower_count > 0";
// The public counts (sql/migrations/0006_user_profiles.sql), taken after
// the followee's author_fanout row. Follow names the rows in increasing
// user_id order and a one-statement UPDATE walks the primary key in that
// order, so two follows between the same two users lock them alike.
constexpr const char* kCountFollowEdge =
    "INSERT INTO user_follow_counts (user_id, follower_count, "
    "following_count) VALUES (?, ?, ?), (?, ?, ?) ON DUPLICATE KEY UPDATE "
    "follower_count = follower_count + VALUES(follower_count), "
    "following_count = following_count + VALUES(following_count)";
constexpr const char* kUncountFollowEdge =
    "UPDATE user_follow_counts SET "
    "follower_count = follower_count - "
    "IF(user_id = ? AND follower_count > 0, 1, 0), "
    "following_count = following_count - "
    "IF(user_id = ? AND following_count > 0, 1, 0) "
    "WHERE user_id IN (?, ?)";
// The count tells the follow that made the followee merged (count ==
// threshold) from later ones.
constexpr const char* kSelectMerged =
    "SELECT merged_at_read, follower_count FROM author_fanout "
    "WHERE user_id = ?";
// The followee's newest tweet that the backfill will not copy (the
// (depth+1)-th newest); the follower's horizon rises to it.
constexpr const char* kSelectBackfillFloor =
    "SELECT id FROM tweets WHERE user_id = ? "
    "ORDER BY id DESC LIMIT 1 OFFSET ?";
// IGNORE only for duplicates of home_timeline's key (the follower may
// still hold rows of the followee from an earlier follow that a trim
// left); this table has no foreign keys whose errors IGNORE could hide.
constexpr const char* kBackfill =
    "INSERT IGNORE INTO home_timeline (owner_id, tweet_id, author_id) "
    "SELECT ?, id, user_id FROM tweets WHERE user_id = ? AND id > ? "
    "ORDER BY id DESC LIMIT ?";
// A walk of the follower's primary-key range (owner_id, tweet_id): at most
// retention plus a trim's overshoot of rows, so no second index is kept
// for it (sql/migrations/0004_home_timeline_one_index.sql).
constexpr const char* kDeleteAuthorRows =
    "DELETE FROM home_timeline WHERE owner_id = ? AND author_id = ?";

}  // namespace

MySqlFollowStore::MySqlFollowStore(std::shared_ptr<ConnectionPool> pool,
                                   absl::Duration acquire_timeout,
                                   TimelineOptions timeline,
                                   std::shared_ptr<TierOutbox> outbox)
    : pool_(std::move(pool)),
      acquire_timeout_(acquire_timeout),
      timeline_(std::move(timeline)),
      outbox_(std::move(outbox)),
      lists_(pool_, acquire_timeout_) {}

absl::Status MySqlFollowStore::Follow(UserId follower, UserId followee) {
  // Entries of the memory tier this follow makes stale (after the commit).
  std::vector<UserId> stale;
  bool became_merged = false;
  absl::Status status = RunWithRetry(
      *pool_, acquire_timeout_, "Follow",
      [&](PooledConnection& connection) -> absl::Status {
        stale.clear();
        became_merged = false;
        TransactionGuard transaction(connection);
        try {
          sql::PreparedStatement& insert = connection.Prepare(kInsertFollow);
          insert.setUInt64(1, follower);
          insert.setUInt64(2, followee);
          insert.executeUpdate();  // FK 1452 -> NOT_FOUND
        } catch (const sql::SQLException& e) {
          // Already following: nothing else changes (the guard rolls back).
          if (e.getErrorCode() == kErrDupEntry) return absl::OkStatus();
          throw;
        }
        {
          sql::PreparedStatement& count = connection.Prepare(kCountFollower);
          count.setUInt64(1, followee);
          count.setInt(2, timeline_.fanout_threshold <= 1 ? 1 : 0);
          count.setInt(3, timeline_.fanout_threshold);
          count.executeUpdate();
        }
        {
          // Each row (user, followers added, following added).
          sql::PreparedStatement& counts = connection.Prepare(kCountFollowEdge);
          const UserId low = std::min(follower, followee);
          counts.setUInt64(1, low);
          counts.setInt(2, low == followee ? 1 : 0);
          counts.setInt(3, low == follower ? 1 : 0);
          counts.setUInt64(4, std::max(follower, followee));
          counts.setInt(5, low == followee ? 0 : 1);
          counts.setInt(6, low == follower ? 0 : 1);
          counts.executeUpdate();
        }
        bool merged = false;
        {
          sql::PreparedStatement& select = connection.Prepare(kSelectMerged);
          select.setUInt64(1, followee);
          std::unique_ptr<sql::ResultSet> rows(select.executeQuery());
          merged = rows->next() && rows->getInt(1) != 0;
          became_merged =
              merged && rows->getInt(2) == timeline_.fanout_threshold;
        }
        if (!merged) {
          // Merged followees are read directly; the rest are backfilled.
          std::uint64_t floor = 0;
          {
            sql::PreparedStatement& select =
                connection.Prepare(kSelectBackfillFloor);
            select.setUInt64(1, followee);
            select.setInt(2, timeline_.follow_backfill_depth);
            std::unique_ptr<sql::ResultSet> rows(select.executeQuery());
            if (rows->next()) floor = rows->getUInt64(1);
          }
          sql::PreparedStatement& backfill = connection.Prepare(kBackfill);
          backfill.setUInt64(1, follower);
          backfill.setUInt64(2, followee);
          backfill.setUInt64(3, floor);
          backfill.setInt(4, timeline_.follow_backfill_depth);
          const int copied = backfill.executeUpdate();
          // Older tweets of the followee were not copied: home rows are
          // complete only above the floor from now on.
          if (floor != 0) RaiseHorizon(connection, follower, floor);
          if (copied > 0) {
            TrimHomeTimeline(connection, follower, timeline_.retention);
          }
        }
        if (outbox_ != nullptr) {
          TierOutbox::Record(connection, TierOutbox::Kind::kInvalidateOwner,
                             follower, 0);
          stale.push_back(follower);
          // The followee's tweets stop being fanned out: entries that
          // list them as an ordinary followee would miss the next ones.
          if (became_merged) {
            TierOutbox::Record(connection,
                               TierOutbox::Kind::kInvalidateFollowers, followee,
                               0);
            for (UserId owner :
                 TierOutbox::ReadFollowers(connection, followee)) {
              stale.push_back(owner);
            }
          }
        }
        transaction.Commit();
        return absl::OkStatus();
      });
  if (status.ok() && !stale.empty()) outbox_->ApplyInvalidation(stale);
  return status;
}

absl::Status MySqlFollowStore::Unfollow(UserId follower, UserId followee) {
  bool changed = false;
  absl::Status status = RunWithRetry(
      *pool_, acquire_timeout_, "Unfollow",
      [&](PooledConnection& connection) -> absl::Status {
        changed = false;
        TransactionGuard transaction(connection);
        sql::PreparedStatement& remove = connection.Prepare(kDeleteFollow);
        remove.setUInt64(1, follower);
        remove.setUInt64(2, followee);
        if (remove.executeUpdate() == 0) {
          // Nothing to delete is fine unless the followee does not exist.
          return CheckUserExistsOn(connection, followee);
        }
        // Exclusive lock on the followee's row first: a fan-out of theirs
        // still in flight (it read the edge before we deleted it) commits
        // before we delete their rows, so its row is deleted too.
        sql::PreparedStatement& uncount = connection.Prepare(kUncountFollower);
        uncount.setUInt64(1, followee);
        uncount.executeUpdate();
        sql::PreparedStatement& counts = connection.Prepare(kUncountFollowEdge);
        counts.setUInt64(1, followee);
        counts.setUInt64(2, follower);
        counts.setUInt64(3, follower);
        counts.setUInt64(4, followee);
        counts.executeUpdate();
        sql::PreparedStatement& rows = connection.Prepare(kDeleteAuthorRows);
        rows.setUInt64(1, follower);
        rows.setUInt64(2, followee);
        rows.executeUpdate();
        if (outbox_ != nullptr) {
          TierOutbox::Record(connection, TierOutbox::Kind::kInvalidateOwner,
                             follower, 0);
          changed = true;
        }
        transaction.Commit();
        return absl::OkStatus();
      });
  if (status.ok() && changed) outbox_->ApplyInvalidation({follower});
  return status;
}

absl::StatusOr<std::vector<FollowListEntry>> MySqlFollowStore::ListFollowing(
    const FollowListQuery& query) {
  return lists_.Read(FollowListReader::Direction::kFollowing, query);
}

absl::StatusOr<std::vector<FollowListEntry>> MySqlFollowStore::ListFollowers(
    const FollowListQuery& query) {
  return lists_.Read(FollowListReader::Direction::kFollowers, query);
}

}  // namespace miniter::storage::mysql
