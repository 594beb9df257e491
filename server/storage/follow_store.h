// follow_store.h: the storage interface for the follow graph.
#ifndef MINITER_SERVER_STORAGE_FOLLOW_STORE_H_
#define MINITER_SERVER_STORAGE_FOLLOW_STORE_H_

#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "server/storage/records.h"

namespace miniter::storage {

// Persists who follows whom. Implementations are thread-safe; Follow and
// Unfollow are idempotent. Errors beyond those listed: as for UserStore.
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

  // Up to `query.limit` accounts that `query.user_id` follows, the most
  // recently followed first, after the query's keyset (records.h); each
  // with its full record, e-mail included (callers decide who sees it).
  // The cost does not grow with the length of the list. NOT_FOUND when
  // `query.user_id` does not exist.
  virtual absl::StatusOr<std::vector<FollowListEntry>> ListFollowing(
      const FollowListQuery& query) = 0;

  // As ListFollowing, for the accounts that follow `query.user_id`, the
  // most recent follower first.
  virtual absl::StatusOr<std::vector<FollowListEntry>> ListFollowers(
      const FollowListQuery& query) = 0;
};

}  // namespace miniter::storage

#endif  // MINITER_SERVER_STORAGE_FOLLOW_STORE_H_
