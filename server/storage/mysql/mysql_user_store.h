// mysql_user_store.h: UserStore on MySQL/MariaDB (table users).
#ifndef MINITER_SERVER_STORAGE_MYSQL_MYSQL_USER_STORE_H_
#define MINITER_SERVER_STORAGE_MYSQL_MYSQL_USER_STORE_H_

#include <memory>
#include <string_view>
#include <vector>

#include "absl/time/time.h"
#include "server/storage/mysql/connection_pool.h"
#include "server/storage/user_store.h"

namespace miniter::storage::mysql {

// The statements of SearchUsersByNameKey (the first page; a page after a
// cursor), public so a test can EXPLAIN them: they must read one range of
// ix_users_name_key_id.
extern const char kSearchUsersFirstPageSql[];
extern const char kSearchUsersNextPageSql[];

// Thread-safe; see UserStore for the contract.
class MySqlUserStore : public UserStore {
 public:
  MySqlUserStore(std::shared_ptr<ConnectionPool> pool,
                 absl::Duration acquire_timeout);

  absl::StatusOr<UserRecord> CreateUser(const NewUser& user) override;
  absl::StatusOr<UserCredentials> FindCredentialsByEmailKey(
      std::string_view email_key) override;
  absl::Status CheckUserExists(UserId id) override;
  absl::StatusOr<UserProfile> GetUserProfile(UserId id) override;
  absl::StatusOr<std::vector<FoundUser>> SearchUsersByNameKey(
      const UserSearchQuery& query) override;
  absl::StatusOr<std::vector<UnkeyedUser>> ListUsersWithoutNameKey(
      int limit) override;
  absl::Status SetMissingNameKey(UserId id, std::string_view name_key) override;

 private:
  std::shared_ptr<ConnectionPool> pool_;
  absl::Duration acquire_timeout_;
};

}  // namespace miniter::storage::mysql

#endif  // MINITER_SERVER_STORAGE_MYSQL_MYSQL_USER_STORE_H_
