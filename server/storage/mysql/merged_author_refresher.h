// merged_author_refresher.h: a background thread that reloads the
// merged-author cache's entries before they go stale, so that timeline
// readers find them fresh instead of reloading them themselves
// (docs/timeline-design.md, "Merged-author cache").
#ifndef MINITER_SERVER_STORAGE_MYSQL_MERGED_AUTHOR_REFRESHER_H_
#define MINITER_SERVER_STORAGE_MYSQL_MERGED_AUTHOR_REFRESHER_H_

#include <functional>
#include <memory>
#include <thread>

#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "server/storage/mysql/connection_pool.h"
#include "server/storage/mysql/merged_author_cache.h"

namespace miniter::storage::mysql {

class MergedAuthorRefresher {
 public:
  // Starts the thread: every quarter of the cache's staleness bound it
  // reloads the entries older than a quarter of it. `cache` outlives this.
  // `now` is the clock the entries are stamped with.
  MergedAuthorRefresher(std::shared_ptr<ConnectionPool> pool,
                        absl::Duration acquire_timeout,
                        MergedAuthorCache& cache,
                        std::function<absl::Time()> now);
  // Stops and joins the thread.
  ~MergedAuthorRefresher();
  MergedAuthorRefresher(const MergedAuthorRefresher&) = delete;
  MergedAuthorRefresher& operator=(const MergedAuthorRefresher&) = delete;

 private:
  void Run();

  std::shared_ptr<ConnectionPool> pool_;
  absl::Duration acquire_timeout_;
  MergedAuthorCache& cache_;
  std::function<absl::Time()> now_;
  absl::Notification stop_;
  std::thread thread_;
};

}  // namespace miniter::storage::mysql

#endif  // MINITER_SERVER_STORAGE_MYSQL_MERGED_AUTHOR_REFRESHER_H_
