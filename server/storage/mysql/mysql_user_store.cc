// mysql_user_store.cc: the users table behind UserStore.
#include "server/storage/mysql/mysql_user_store.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include "absl/status/status.h"
#include "server/storage/mysql/query_runner.h"

namespace miniter::storage::mysql {
namespace {

// created_at is written by the server in UTC so every row shares one clock.
constexpr const char* kInsertUser =
    "INSERT INTO users (name, email, email_key, name_key, password_hash, "
    "profile, created_at) VALUES (?, ?, ?, NULLIF(?, ''), ?, ?, "
    "UTC_TIMESTAMP(6))";
// LAST_INSERT_ID() is per session, so this reads back our own row even
// while other sessions insert.
constexpr const char* kSelectInsertedUser =
    "SELECT id, " MINITER_SQL_UNIX_MICROS(
        "created_at") " FROM users WHERE id = LAST_INSERT_ID()";
constexpr const char* kSelectCredentials =
    "SELECT id, password_hash FROM users WHERE email_key = ?";

// A missing counts row means no follows either way (0006_user_profiles.sql).
constexpr const char* kSelectProfile =
    "SELECT u.id, u.name, u.email, u.profile, "
    MINITER_SQL_UNIX_MICROS("u.created_at")
    ", COALESCE(c.follower_count, 0), COALESCE(c.following_count, 0)"
    " FROM users u LEFT JOIN user_follow_counts c ON c.user_id = u.id"
    " WHERE u.id = ?";

}  // namespace

// The LIKE metacharacters of the prefix are escaped with '!' (not '\',
// whose meaning in a literal depends on NO_BACKSLASH_ESCAPES). With a
// binary collation MariaDB turns "LIKE 'prefix%'" into the range
// [prefix, prefix + 0xFF...) of ix_users_name_key_id, and the cursor
// condition narrows the same range; ORDER BY follows the index, so a page
// reads `limit` index entries (and their rows), however many names match.
// The cursor is spelled out: written as (name_key, id) > (?, ?), MariaDB
// 10.11 ranges on the LIKE alone and filters the cursor row by row, so a
// deep page would read every match before it (EXPLAIN: key_len 3063, not
// 3071).
const char kSearchUsersFirstPageSql[] =
    "SELECT id, name, email, profile, " MINITER_SQL_UNIX_MICROS(
        "created_at") ", name_key FROM users"
                      " WHERE name_key LIKE ? ESCAPE '!'"
                      " ORDER BY name_key, id LIMIT ?";
const char kSearchUsersNextPageSql[] =
    "SELECT id, name, email, profile, " MINITER_SQL_UNIX_MICROS(
        "created_at") ", name_key FROM users"
                      " WHERE name_key LIKE ? ESCAPE '!'"
                      " AND (name_key > ? OR (name_key = ? AND id > ?))"
                      " ORDER BY name_key, id LIMIT ?";

namespace {

// The NULL keys sit at the start of ix_users_name_key_id, in id order.
constexpr const char* kSelectUnkeyed =
    "SELECT id, name FROM users WHERE name_key IS NULL ORDER BY id LIMIT ?";
constexpr const char* kSetMissingNameKey =
    "UPDATE users SET name_key = ? WHERE id = ? AND name_key IS NULL";

// `prefix` as a LIKE pattern that matches exactly the texts starting with
// it: '%', '_' and the escape character itself lose their meaning.
std::string LikePrefixPattern(std::string_view prefix) {
  std::string pattern;
  pattern.reserve(prefix.size() + 8);
  for (char c : prefix) {
    if (c == '%' || c == '_' || c == '!') pattern.push_back('!');
    pattern.push_back(c);
  }
  pattern.push_back('%');
  return pattern;
}

UserRecord ReadUserRow(sql::ResultSet& rows) {
  UserRecord user;
  user.id = rows.getUInt64(1);
  user.name = rows.getString(2);
  user.email = rows.getString(3);
  user.profile = rows.getString(4);
  user.created_at = TimeFromUnixMicros(rows.getInt64(5));
  return user;
}

}  // namespace

MySqlUserStore::MySqlUserStore(std::shared_ptr<ConnectionPool> pool,
                               absl::Duration acquire_timeout)
    : pool_(std::move(pool)), acquire_timeout_(acquire_timeout) {}

absl::StatusOr<UserRecord> MySqlUserStore::CreateUser(const NewUser& user) {
  UserRecord record;
  // One statement writes, so no explicit transaction: with autocommit the
  // row is committed (and durable) before we read it back. If the read-back
  // fails, the user exists and a retry of the sign-up gets ALREADY_EXISTS.
  absl::Status status = RunWithRetry(
      *pool_, acquire_timeout_, "CreateUser",
      [&](PooledConnection& connection) -> absl::Status {
        sql::PreparedStatement& insert = connection.Prepare(kInsertUser);
        insert.setString(1, user.name);
        insert.setString(2, user.email);
        insert.setString(3, user.email_key);
        insert.setString(4, user.name_key);
        insert.setString(5, user.password_hash);
        insert.setString(6, user.profile);
        insert.executeUpdate();

        sql::PreparedStatement& select =
            connection.Prepare(kSelectInsertedUser);
        std::unique_ptr<sql::ResultSet> rows(select.executeQuery());
        if (!rows->next()) {
          return absl::InternalError("internal storage error");
        }
        record.id = rows->getUInt64(1);
        record.created_at = TimeFromUnixMicros(rows->getInt64(2));
        return absl::OkStatus();
      });
  if (absl::IsAlreadyExists(status)) {
    return absl::AlreadyExistsError("a user with this e-mail address exists");
  }
  if (!status.ok()) return status;
  record.name = user.name;
  record.email = user.email;
  record.profile = user.profile;
  return record;
}

absl::StatusOr<UserCredentials> MySqlUserStore::FindCredentialsByEmailKey(
    std::string_view email_key) {
  UserCredentials credentials;
  absl::Status status = RunWithRetry(
      *pool_, acquire_timeout_, "FindCredentialsByEmailKey",
      [&](PooledConnection& connection) -> absl::Status {
        sql::PreparedStatement& select = connection.Prepare(kSelectCredentials);
        select.setString(1, std::string(email_key));
        std::unique_ptr<sql::ResultSet> rows(select.executeQuery());
        if (!rows->next()) return absl::NotFoundError("user not found");
        credentials.user_id = rows->getUInt64(1);
        credentials.password_hash = rows->getString(2);
        return absl::OkStatus();
      });
  if (!status.ok()) return status;
  return credentials;
}

absl::Status MySqlUserStore::CheckUserExists(UserId id) {
  return RunWithRetry(*pool_, acquire_timeout_, "CheckUserExists",
                      [&](PooledConnection& connection) {
                        return CheckUserExistsOn(connection, id);
                      });
}

absl::StatusOr<UserProfile> MySqlUserStore::GetUserProfile(UserId id) {
  UserProfile profile;
  absl::Status status = RunWithRetry(
      *pool_, acquire_timeout_, "GetUserProfile",
      [&](PooledConnection& connection) -> absl::Status {
        sql::PreparedStatement& select = connection.Prepare(kSelectProfile);
        select.setUInt64(1, id);
        std::unique_ptr<sql::ResultSet> rows(select.executeQuery());
        if (!rows->next()) return absl::NotFoundError("user not found");
        profile.user = ReadUserRow(*rows);
        profile.follower_count = rows->getUInt64(6);
        profile.following_count = rows->getUInt64(7);
        return absl::OkStatus();
      });
  if (!status.ok()) return status;
  return profile;
}

absl::StatusOr<std::vector<FoundUser>> MySqlUserStore::SearchUsersByNameKey(
    const UserSearchQuery& query) {
  std::vector<FoundUser> found;
  const std::string pattern = LikePrefixPattern(query.name_key_prefix);
  absl::Status status = RunWithRetry(
      *pool_, acquire_timeout_, "SearchUsersByNameKey",
      [&](PooledConnection& connection) -> absl::Status {
        found.clear();
        const bool first_page = query.after_id == 0;
        sql::PreparedStatement& select = connection.Prepare(
            first_page ? kSearchUsersFirstPageSql : kSearchUsersNextPageSql);
        unsigned int p = 1;
        select.setString(p++, pattern);
        if (!first_page) {
          select.setString(p++, query.after_name_key);
          select.setString(p++, query.after_name_key);
          select.setUInt64(p++, query.after_id);
        }
        select.setInt(p, query.limit);
        std::unique_ptr<sql::ResultSet> rows(select.executeQuery());
        while (rows->next()) {
          FoundUser user;
          user.user = ReadUserRow(*rows);
          user.name_key = rows->getString(6);
          found.push_back(std::move(user));
        }
        return absl::OkStatus();
      });
  if (!status.ok()) return status;
  return found;
}

absl::StatusOr<std::vector<UnkeyedUser>>
MySqlUserStore::ListUsersWithoutNameKey(int limit) {
  std::vector<UnkeyedUser> users;
  absl::Status status = RunWithRetry(
      *pool_, acquire_timeout_, "ListUsersWithoutNameKey",
      [&](PooledConnection& connection) -> absl::Status {
        users.clear();
        sql::PreparedStatement& select = connection.Prepare(kSelectUnkeyed);
        select.setInt(1, limit);
        std::unique_ptr<sql::ResultSet> rows(select.executeQuery());
        while (rows->next()) {
          users.push_back({rows->getUInt64(1), rows->getString(2)});
        }
        return absl::OkStatus();
      });
  if (!status.ok()) return status;
  return users;
}

absl::Status MySqlUserStore::SetMissingNameKey(UserId id,
                                               std::string_view name_key) {
  return RunWithRetry(*pool_, acquire_timeout_, "SetMissingNameKey",
                      [&](PooledConnection& connection) -> absl::Status {
                        sql::PreparedStatement& update =
                            connection.Prepare(kSetMissingNameKey);
                        update.setString(1, std::string(name_key));
                        update.setUInt64(2, id);
                        update.executeUpdate();
                        return absl::OkStatus();
                      });
}

}  // namespace miniter::storage::mysql
