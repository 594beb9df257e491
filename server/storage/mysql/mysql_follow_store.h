// mysql_follow_store.h: FollowStore on MySQL/MariaDB: the follows table,
// follower counts, and the home-timeline rows a follow adds or removes;
// the follow lists are read by FollowListReader.
#ifndef MINITER_SERVER_STORAGE_MYSQL_MYSQL_FOLLOW_STORE_H_
#define MINITER_SERVER_STORAGE_MYSQL_MYSQL_FOLLOW_STORE_H_

#include <memory>
#include <vector>

#include "absl/time/time.h"
#include "server/storage/follow_store.h"
#include "server/storage/mysql/connection_pool.h"
#include "server/storage/mysql/follow_list_reader.h"
#include "server/storage/mysql/tier_outbox.h"
#include "server/storage/mysql/timeline_options.h"

namespace miniter::storage::mysql {

// Thread-safe; see FollowStore for the contract.
class MySqlFollowStore : public FollowStore {
 public:
  // With an `outbox`, every change invalidates the memory tier's entry of
  // the follower (and, when the followee becomes merged at read, of all
  // their followers), through the outbox so that nothing is missed.
  MySqlFollowStore(std::shared_ptr<ConnectionPool> pool,
                   absl::Duration acquire_timeout,
                   TimelineOptions timeline = TimelineOptions(),
                   std::shared_ptr<TierOutbox> outbox = nullptr);

  absl::Status Follow(UserId follower, UserId followee) override;
  absl::Status Unfollow(UserId follower, UserId followee) override;
  absl::StatusOr<std::vector<FollowListEntry>> ListFollowing(
      const FollowListQuery& query) override;
  absl::StatusOr<std::vector<FollowListEntry>> ListFollowers(
      const FollowListQuery& query) override;

 private:
  std::shared_ptr<ConnectionPool> pool_;
  absl::Duration acquire_timeout_;
  TimelineOptions timeline_;
  std::shared_ptr<TierOutbox> outbox_;
  FollowListReader lists_;
};

}  // namespace miniter::storage::mysql

#endif  // MINITER_SERVER_STORAGE_MYSQL_MYSQL_FOLLOW_STORE_H_
