// follow_list_reader.cc: the SQL of a follow-list page (see the header).
#include "server/storage/mysql/follow_list_reader.h"

#include <memory>
#include <string>

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "server/storage/mysql/query_runner.h"

namespace miniter::storage::mysql {
namespace {

// One backwards range of `index` (SELF, created_at, OTHER) from the
// keyset on: page_size + 1 entries however long the list, then one users
// primary-key lookup per entry. FORCE INDEX because the primary key
// (follower_id, followee_id) also matches "follower_id = ?", and a plan
// that took it would read and sort the whole list; the hint keeps the one
// plan whose cost does not grow with the list (docs/profile.md, "Follow
// lists"). The keyset is written as an OR rather than a row comparison
// (created_at, OTHER) < (?, ?), which MariaDB 10.11 does not turn into an
// index range.
#define MINITER_SQL_FOLLOW_LIST(self, other, index) \
  "SELECT u.id, u.name, u.email, u.profile, " MINITER_SQL_UNIX_MICROS( \
      "u.created_at") ", " MINITER_SQL_UNIX_MICROS("f.created_at")     \
      " FROM follows f FORCE INDEX (" index ")"                        \
      " JOIN users u ON u.id = f." other " WHERE f." self " = ?"
#define MINITER_SQL_FOLLOW_LIST_AFTER(other) \
  " AND (f.created_at < ? OR (f.created_at = ? AND f." other " < ?))"
#define MINITER_SQL_FOLLOW_LIST_ORDER(other) \
  " ORDER BY f.created_at DESC, f." other " DESC LIMIT ?"

constexpr const char* kFollowingFirst = MINITER_SQL_FOLLOW_LIST(
    "follower_id", "followee_id", "ix_follows_follower_created")
    MINITER_SQL_FOLLOW_LIST_ORDER("followee_id");
constexpr const char* kFollowingAfter = MINITER_SQL_FOLLOW_LIST(
    "follower_id", "followee_id", "ix_follows_follower_created")
    MINITER_SQL_FOLLOW_LIST_AFTER("followee_id")
        MINITER_SQL_FOLLOW_LIST_ORDER("followee_id");
constexpr const char* kFollowersFirst = MINITER_SQL_FOLLOW_LIST(
    "followee_id", "follower_id", "ix_follows_followee_created")
    MINITER_SQL_FOLLOW_LIST_ORDER("follower_id");
constexpr const char* kFollowersAfter = MINITER_SQL_FOLLOW_LIST(
    "followee_id", "follower_id", "ix_follows_followee_created")
    MINITER_SQL_FOLLOW_LIST_AFTER("follower_id")
        MINITER_SQL_FOLLOW_LIST_ORDER("follower_id");

// A DATETIME(6) literal of the UTC time `t` (microseconds are all the
// column holds, and all a keyset from it carries).
std::string DatetimeLiteral(absl::Time t) {
  return absl::FormatTime("%Y-%m-%d %H:%M:%E6S", t, absl::UTCTimeZone());
}

}  // namespace

const char* FollowListReader::Sql(Direction direction, bool first_page) {
  if (direction == Direction::kFollowing) {
    return first_page ? kFollowingFirst : kFollowingAfter;
  }
  return first_page ? kFollowersFirst : kFollowersAfter;
}

absl::StatusOr<std::vector<FollowListEntry>> FollowListReader::Read(
    Direction direction, const FollowListQuery& query) {
  const bool following = direction == Direction::kFollowing;
  const bool first = query.after_user_id == 0;
  const char* sql = Sql(direction, first);
  std::vector<FollowListEntry> entries;
  absl::Status status = RunWithRetry(
      *pool_, acquire_timeout_, following ? "ListFollowing" : "ListFollowers",
      [&](PooledConnection& connection) -> absl::Status {
        entries.clear();  // a retried attempt starts over
        sql::PreparedStatement& select = connection.Prepare(sql);
        unsigned int p = 1;
        select.setUInt64(p++, query.user_id);
        if (!first) {
          const std::string after = DatetimeLiteral(query.after_followed_at);
          select.setString(p++, after);
          select.setString(p++, after);
          select.setUInt64(p++, query.after_user_id);
        }
        select.setInt(p, query.limit);
        std::unique_ptr<sql::ResultSet> rows(select.executeQuery());
        while (rows->next()) {
          FollowListEntry entry;
          entry.user.id = rows->getUInt64(1);
          entry.user.name = rows->getString(2);
          entry.user.email = rows->getString(3);
          entry.user.profile = rows->getString(4);
          entry.user.created_at = TimeFromUnixMicros(rows->getInt64(5));
          entry.followed_at = TimeFromUnixMicros(rows->getInt64(6));
          entries.push_back(std::move(entry));
        }
        // An empty page is all an unknown user can give, so only then is
        // existence checked.
        if (!entries.empty()) return absl::OkStatus();
        return CheckUserExistsOn(connection, query.user_id);
      });
  if (!status.ok()) return status;
  return entries;
}

}  // namespace miniter::storage::mysql
