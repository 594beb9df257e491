// follow_list_reader.h: the pages of ListFollowing and ListFollowers, read
// from MariaDB by keyset on the follows indexes of
// sql/migrations/0007_follow_lists.sql.
#ifndef MINITER_SERVER_STORAGE_MYSQL_FOLLOW_LIST_READER_H_
#define MINITER_SERVER_STORAGE_MYSQL_FOLLOW_LIST_READER_H_

#include <memory>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "server/storage/mysql/connection_pool.h"
#include "server/storage/records.h"

namespace miniter::storage::mysql {

// Thread-safe; FollowStore's ListFollowing and ListFollowers contracts.
class FollowListReader {
 public:
  FollowListReader(std::shared_ptr<ConnectionPool> pool,
                   absl::Duration acquire_timeout)
      : pool_(std::move(pool)), acquire_timeout_(acquire_timeout) {}

  // Which side of the edge `query.user_id` is on.
  enum class Direction { kFollowing, kFollowers };

  absl::StatusOr<std::vector<FollowListEntry>> Read(
      Direction direction, const FollowListQuery& query);

  // The statement Read runs: parameters user id, then (not `first_page`)
  // the keyset's time as a DATETIME(6) literal twice and its user id, then
  // the limit. Public for tools that EXPLAIN and measure it
  // (tests/storage/follow_list_probe.cc).
  static const char* Sql(Direction direction, bool first_page);

 private:
  std::shared_ptr<ConnectionPool> pool_;
  absl::Duration acquire_timeout_;
};

}  // namespace miniter::storage::mysql

#endif  // MINITER_SERVER_STORAGE_MYSQL_FOLLOW_LIST_READER_H_
