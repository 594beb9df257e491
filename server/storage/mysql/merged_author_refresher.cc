// merged_author_refresher.cc: the refresher's loop (see the header).
#include "server/storage/mysql/merged_author_refresher.h"

#include <algorithm>
#include <limits>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "server/storage/mysql/query_runner.h"
#include "server/storage/mysql/timeline_queries.h"

namespace miniter::storage::mysql {

MergedAuthorRefresher::MergedAuthorRefresher(
    std::shared_ptr<ConnectionPool> pool, absl::Duration acquire_timeout,
    MergedAuthorCache& cache, std::function<absl::Time()> now)
    : pool_(std::move(pool)),
      acquire_timeout_(acquire_timeout),
      cache_(cache),
      now_(std::move(now)),
      thread_([this] { Run(); }) {}

MergedAuthorRefresher::~MergedAuthorRefresher() {
  stop_.Notify();
  thread_.join();
}

void MergedAuthorRefresher::Run() {
  // Every quarter of the bound, reload the entries older than a quarter:
  // an entry is then at most about half the bound old when a reader meets
  // it, before readers would claim it themselves (ClaimDue, at half). A
  // failed load leaves the entries to go stale and be reloaded by readers;
  // the next round tries again.
  const absl::Duration staleness = cache_.staleness();
  const absl::Duration period = std::max(staleness / 4, absl::Milliseconds(10));
  while (!stop_.WaitForNotificationWithTimeout(period)) {
    const absl::Time now = now_();
    std::vector<UserId> due;
    cache_.ClaimOlderThan(now, staleness / 4,
                          std::numeric_limits<std::size_t>::max(), due);
    if (due.empty()) continue;
    const absl::Status loaded =
        RunWithRetry(*pool_, acquire_timeout_, "RefreshMergedAuthors",
                     [&](PooledConnection& connection) {
                       LoadIntoCache(connection, due, cache_, now);
                       return absl::OkStatus();
                     });
    (void)loaded;  // unexpected errors are logged by MapSqlError
  }
}

}  // namespace miniter::storage::mysql
