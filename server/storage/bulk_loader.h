// bulk_loader.h: the storage interface for loading large generated data
// sets fast (the benchmark's data generator), bypassing per-RPC work.
#ifndef MINITER_SERVER_STORAGE_BULK_LOADER_H_
#define MINITER_SERVER_STORAGE_BULK_LOADER_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "server/storage/records.h"

namespace miniter::storage {

// A tweet to load with its own timestamp (generated history).
struct BulkTweet {
  UserId author_id = 0;
  std::string text;
  absl::Time created_at;
};

// Loads batches in as few round trips as the database allows. Not meant to
// run beside live traffic. Callers load users, then follows, then tweets
// in increasing created_at order, then call FinishLoad. Thread-compatible
// (one loader per thread).
class BulkLoader {
 public:
  virtual ~BulkLoader() = default;

  // Inserts users (email_key values must be unique and new) and returns
  // their ids in the same order.
  virtual absl::StatusOr<std::vector<UserId>> InsertUsers(
      const std::vector<NewUser>& users) = 0;

  // Inserts follow edges (follower, followee); duplicates are ignored.
  virtual absl::Status InsertFollows(
      const std::vector<std::pair<UserId, UserId>>& edges) = 0;

  // Inserts tweets; ids increase in the order given.
  virtual absl::Status InsertTweets(const std::vector<BulkTweet>& tweets) = 0;

  // Brings every derived structure (e.g. materialized home timelines and
  // follower counts) up to date with what was loaded.
  virtual absl::Status FinishLoad() = 0;
};

}  // namespace miniter::storage

#endif  // MINITER_SERVER_STORAGE_BULK_LOADER_H_
