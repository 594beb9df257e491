// mysql_user_store.h: UserStore on MySQL/MariaDB (table users).
#ifndef MINITER_SERVER_STORAGE_MYSQL_MYSQL_USER_STORE_H_
#define MINITER_SERVER_STORAGE_MYSQL_MYSQL_USER_STORE_H_

#include <memory>
#include <string_view>

#include "absl/time/time.h"
#include "server/storage/mysql/connection_pool.h"
#include "server/storage/user_store.h"

namespace miniter::storage::mysql {

// Thread-safe; see UserStore for the contract.
class MySqlUserStore : public UserStore {
 public:
  MySqlUserStore(std::shared_ptr<ConnectionPool> pool,
                 absl::Duration acquire_timeout);

  absl::StatusOr<UserRecord> CreateUser(const NewUser& user) override;
  absl::StatusOr<UserCredentials> FindCredentialsByEmailKey(
      std::string_view email_key) override;
  absl::Status CheckUserExists(UserId id) override;

 private:
  std::shared_ptr<ConnectionPool> pool_;
  absl::Duration acquire_timeout_;
};

}  // namespace miniter::storage::mysql

#endif  // MINITER_SERVER_STORAGE_MYSQL_MYSQL_USER_STORE_H_
