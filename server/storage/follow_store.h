// follow_store.h: the storage interface for the follow graph.
#ifndef MINITER_SERVER_STORAGE_FOLLOW_STORE_H_
#define MINITER_SERVER_STORAGE_FOLLOW_STORE_H_

#include "absl/status/status.h"
#include "server/storage/records.h"

namespace miniter::storage {

// Persists who follows whom. Implementations are thread-safe; both methods
// are idempotent. Errors beyond those listed: as for UserStore.
class FollowStore {
 public:
  virtual ~FollowStore() = default;

  // Records that `follower` follows `followee`; OK if it already did.
  // NOT_FOUND when either user does not exist. Callers reject
  // follower == followee before calling.
  virtual absl::Status Follow(UserId follower, UserId followee) = 0;

  // Removes that edge; OK if there was none. NOT_FOUND when `followee`
  // does not exist.
  virtual absl::Status Unfollow(UserId follower, UserId followee) = 0;
};

}  // namespace miniter::storage

#endif  // MINITER_SERVER_STORAGE_FOLLOW_STORE_H_
