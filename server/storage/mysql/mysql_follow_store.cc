// mysql_follow_store.cc: the follows table behind FollowStore.
#include "server/storage/mysql/mysql_follow_store.h"

#include <memory>
#include <utility>

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include "absl/status/status.h"
#include "server/storage/mysql/query_runner.h"

namespace miniter::storage::mysql {
namespace {

// ON DUPLICATE KEY makes a repeated follow a no-op that keeps the first
// created_at. Not INSERT IGNORE: MariaDB turns the foreign-key error for an
// unknown user into a warning under IGNORE, and we need it as NOT_FOUND.
constexpr const char* kInsertFollow =
    "INSERT INTO follows (follower_id, followee_id, created_at) "
    "VALUES (?, ?, UTC_TIMESTAMP(6)) "
    "ON DUPLICATE KEY UPDATE follower_id = follower_id";
constexpr const char* kDeleteFollow =
    "DELETE FROM follows WHERE follower_id = ? AND followee_id = ?";

}  // namespace

MySqlFollowStore::MySqlFollowStore(std::shared_ptr<ConnectionPool> pool,
                                   absl::Duration acquire_timeout)
    : pool_(std::move(pool)), acquire_timeout_(acquire_timeout) {}

absl::Status MySqlFollowStore::Follow(UserId follower, UserId followee) {
  return RunWithRetry(*pool_, acquire_timeout_, "Follow",
                      [&](PooledConnection& connection) -> absl::Status {
                        sql::PreparedStatement& insert =
                            connection.Prepare(kInsertFollow);
                        insert.setUInt64(1, follower);
                        insert.setUInt64(2, followee);
                        insert.executeUpdate();  // FK 1452 -> NOT_FOUND
                        return absl::OkStatus();
                      });
}

absl::Status MySqlFollowStore::Unfollow(UserId follower, UserId followee) {
  return RunWithRetry(
      *pool_, acquire_timeout_, "Unfollow",
      [&](PooledConnection& connection) -> absl::Status {
        sql::PreparedStatement& remove = connection.Prepare(kDeleteFollow);
        remove.setUInt64(1, follower);
        remove.setUInt64(2, followee);
        if (remove.executeUpdate() > 0) return absl::OkStatus();
        // Nothing to delete is fine unless the followee does not exist.
        return CheckUserExistsOn(connection, followee);
      });
}

}  // namespace miniter::storage::mysql
