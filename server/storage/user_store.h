// user_store.h: the storage interface for accounts.
#ifndef MINITER_SERVER_STORAGE_USER_STORE_H_
#define MINITER_SERVER_STORAGE_USER_STORE_H_

#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "server/storage/records.h"

namespace miniter::storage {

// Persists users. Implementations are thread-safe.
//
// Every method may also return UNAVAILABLE (database unreachable),
// DEADLINE_EXCEEDED (it did not answer in time), RESOURCE_EXHAUSTED (no
// connection free) or INTERNAL (a bug or schema mismatch).
class UserStore {
 public:
  virtual ~UserStore() = default;

  // Inserts a user and returns it with its new id and creation time.
  // ALREADY_EXISTS when another user has the same `email_key`.
  virtual absl::StatusOr<UserRecord> CreateUser(const NewUser& user) = 0;

  // Returns the id and password hash of the user whose e-mail key is
  // `email_key`. NOT_FOUND when there is none.
  virtual absl::StatusOr<UserCredentials> FindCredentialsByEmailKey(
      std::string_view email_key) = 0;

  // OK when user `id` exists, NOT_FOUND when it does not.
  virtual absl::Status CheckUserExists(UserId id) = 0;

  // User `id` (e-mail included: callers decide who sees it) and its
  // follower and following counts. NOT_FOUND when there is no such user.
  virtual absl::StatusOr<UserProfile> GetUserProfile(UserId id) = 0;

  // Up to `query.limit` users whose name_key starts with
  // `query.name_key_prefix` (LIKE metacharacters in it are matched
  // literally), after the cursor, in (name_key, id) order; empty when there
  // are none. Reads one index range. Users whose name_key is still missing
  // are not found.
  virtual absl::StatusOr<std::vector<FoundUser>> SearchUsersByNameKey(
      const UserSearchQuery& query) = 0;

  // Up to `limit` users whose name_key is missing, by increasing id.
  virtual absl::StatusOr<std::vector<UnkeyedUser>> ListUsersWithoutNameKey(
      int limit) = 0;

  // Sets user `id`'s name_key if it is still missing (a concurrent fill
  // wrote the same key; a missing user is no error).
  virtual absl::Status SetMissingNameKey(UserId id,
                                         std::string_view name_key) = 0;
};

}  // namespace miniter::storage

#endif  // MINITER_SERVER_STORAGE_USER_STORE_H_
