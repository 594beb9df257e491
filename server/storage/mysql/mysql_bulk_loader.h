// mysql_bulk_loader.h: BulkLoader on MySQL/MariaDB: multi-row inserts of
// generated users, follows and tweets, then a set-based rebuild of the
// derived timeline tables (follower counts, merged-at-read flags, home
// timelines, horizons) for everything the load touched.
#ifndef MINITER_SERVER_STORAGE_MYSQL_MYSQL_BULK_LOADER_H_
#define MINITER_SERVER_STORAGE_MYSQL_MYSQL_BULK_LOADER_H_

#include <cstddef>
#include <memory>
#include <utility>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "server/storage/bulk_loader.h"
#include "server/storage/mysql/pooled_connection.h"
#include "server/storage/mysql/timeline_options.h"

namespace miniter::storage::mysql {

// Thread-compatible; owns one connection (opened on first use, reopened
// after a connection error). That session runs with unique_checks=0 and
// foreign_key_checks=0: the generator's data is consistent by construction
// (BulkLoader's contract), and skipping the checks roughly halves insert
// time (no parent lookups, unique secondary keys buffered). Needs
// innodb_autoinc_lock_mode 0 or 1 (MariaDB's default 1) so a multi-row
// INSERT gets consecutive ids; FAILED_PRECONDITION otherwise.
class MySqlBulkLoader : public BulkLoader {
 public:
  MySqlBulkLoader(ConnectionSettings settings, TimelineOptions timeline);
  ~MySqlBulkLoader() override;

  absl::StatusOr<std::vector<UserId>> InsertUsers(
      const std::vector<NewUser>& users) override;
  absl::Status InsertFollows(
      const std::vector<std::pair<UserId, UserId>>& edges) override;
  absl::Status InsertTweets(const std::vector<BulkTweet>& tweets) override;
  // Rebuilds, for every user the load touched (and every follower of one),
  // follower counts and merged flags, then home timelines (the newest
  // min(bulk_load_depth, retention) of own and non-merged followees'
  // tweets) and horizons, in transactions of a few hundred owners each.
  // Idempotent: a failed FinishLoad can simply be called again.
  absl::Status FinishLoad() override;

 private:
  // Runs `body` on the loader's connection, mapping exceptions to statuses.
  absl::Status Run(absl::string_view operation,
                   absl::FunctionRef<absl::Status(PooledConnection&)> body);
  void Touch(UserId id) { touched_.push_back(id); }
  // Sorts and dedupes touched_ when it has grown well past its unique size
  // (6M follows touch 12M ids, mostly repeats).
  void CompactTouched(bool force);

  ConnectionSettings settings_;
  TimelineOptions timeline_;
  std::unique_ptr<PooledConnection> connection_;
  std::vector<UserId> touched_;
  std::size_t touched_compacted_size_ = 0;
};

}  // namespace miniter::storage::mysql

#endif  // MINITER_SERVER_STORAGE_MYSQL_MYSQL_BULK_LOADER_H_
