// mysql_user_store.cc: the users table behind UserStore.
#include "server/storage/mysql/mysql_user_store.h"

#include <memory>
#include <string>
#include <utility>

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include "absl/status/status.h"
#include "server/storage/mysql/query_runner.h"

namespace miniter::storage::mysql {
namespace {

// created_at is written by the server in UTC so every row shares one clock.
constexpr const char* kInsertUser =
    "INSERT INTO users (name, email, email_key, password_hash, profile, "
    "created_at) VALUES (?, ?, ?, ?, ?, UTC_TIMESTAMP(6))";
// LAST_INSERT_ID() is per session, so this reads back our own row even
// while other sessions insert.
constexpr const char* kSelectInsertedUser =
    "SELECT id, " MINITER_SQL_UNIX_MICROS(
        "created_at") " FROM users WHERE id = LAST_INSERT_ID()";
constexpr const char* kSelectCredentials =
    "SELECT id, password_hash FROM users WHERE email_key = ?";

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
        insert.setString(4, user.password_hash);
        insert.setString(5, user.profile);
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

}  // namespace miniter::storage::mysql
