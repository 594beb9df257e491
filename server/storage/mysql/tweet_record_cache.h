// tweet_record_cache.h: a bounded, thread-safe in-process cache of hydrated
// tweets (text, author name, time) by id, so a timeline page skips the
// fetch-by-ids statement for tweets already read (docs/profile.md).
#ifndef MINITER_SERVER_STORAGE_MYSQL_TWEET_RECORD_CACHE_H_
#define MINITER_SERVER_STORAGE_MYSQL_TWEET_RECORD_CACHE_H_

#include <cstddef>
#include <cstdint>
#include <list>
#include <unordered_map>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "server/common/cache_stats.h"
#include "server/storage/records.h"

namespace miniter::storage::mysql {

// Caching needs no invalidation because a TweetRecord never changes once
// committed: tweets are never edited or deleted, and a user's name cannot
// change (no RPC changes it). Should either become possible, the writer
// must Erase() here, and other server processes would serve the old value
// until eviction: revisit this class first.
//
// Thread-safe; one mutex, taken once per page for the lookups and once for
// the inserts. Memory is bounded by max_bytes of estimated footprint
// (strings plus a fixed per-entry overhead); the least recently used
// tweet is evicted first.
class TweetRecordCache {
 public:
  // Estimated bytes of one entry beside its two strings' characters: the
  // record, the hash node, the LRU node and allocator slack.
  static constexpr std::size_t kEntryOverhead = 160;

  explicit TweetRecordCache(std::size_t max_bytes);

  TweetRecordCache(const TweetRecordCache&) = delete;
  TweetRecordCache& operator=(const TweetRecordCache&) = delete;

  // For each of `ids`: if cached, copies it into found[i] and sets hit[i].
  // `found` and `hit` are resized to ids.size(). Returns the hit count.
  std::size_t Lookup(const std::vector<TweetId>& ids,
                     std::vector<TweetRecord>& found, std::vector<bool>& hit);

  // Adds committed tweets (a record already cached is left as it is).
  void Insert(const std::vector<TweetRecord>& tweets);

  std::size_t size() const;   // tweets cached
  std::size_t bytes() const;  // their estimated footprint
  std::size_t max_bytes() const { return max_bytes_; }
  // For metrics, labelled "tweet_records"; hits and misses count ids.
  common::CacheStats Stats() const;

 private:
  struct Entry {
    TweetRecord record;
    std::size_t bytes = 0;
    std::list<TweetId>::iterator lru;  // position in lru_
  };

  const std::size_t max_bytes_;

  mutable absl::Mutex mu_;
  std::unordered_map<TweetId, Entry> entries_ ABSL_GUARDED_BY(mu_);
  std::list<TweetId> lru_ ABSL_GUARDED_BY(mu_);  // most recent first
  std::size_t bytes_ ABSL_GUARDED_BY(mu_) = 0;
  std::uint64_t hits_ ABSL_GUARDED_BY(mu_) = 0;
  std::uint64_t misses_ ABSL_GUARDED_BY(mu_) = 0;
  std::uint64_t evictions_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace miniter::storage::mysql

#endif  // MINITER_SERVER_STORAGE_MYSQL_TWEET_RECORD_CACHE_H_
