// merged_author_cache.h: a bounded, thread-safe in-process cache of the
// newest tweet ids of authors merged at read, so a timeline page reads them
// from memory instead of one index range per author per page
// (docs/timeline-design.md, "Merged-author cache"). Knows no SQL: the tweet
// store loads entries and asks the cache whether an entry covers a range.
#ifndef MINITER_SERVER_STORAGE_MYSQL_MERGED_AUTHOR_CACHE_H_
#define MINITER_SERVER_STORAGE_MYSQL_MERGED_AUTHOR_CACHE_H_

#include <cstddef>
#include <cstdint>
#include <list>
#include <unordered_map>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/common/cache_stats.h"
#include "server/storage/records.h"

namespace miniter::storage::mysql {

// Thread-safe. Memory is bounded by max_authors x ids_per_author ids (plus
// per-entry overhead); the least recently used author is evicted first.
class MergedAuthorCache {
 public:
  enum class Lookup {
    kHit,         // the ids of the requested range were appended
    kLoad,        // missing or stale: load with Store(), then ask again
    kNotCovered,  // the range reaches below the cached ids: read it from SQL
  };

  // ids_per_author >= 1, max_authors >= 1.
  MergedAuthorCache(std::size_t max_authors, std::size_t ids_per_author,
                    absl::Duration staleness);

  MergedAuthorCache(const MergedAuthorCache&) = delete;
  MergedAuthorCache& operator=(const MergedAuthorCache&) = delete;

  // Appends to `out` `author`'s tweet ids in (lower, before), newest first,
  // at most `limit`, and returns kHit, when the entry was loaded no longer
  // than `staleness` before `now` and holds every id of that range (or the
  // first `limit` of it). Otherwise appends nothing. Sets `*due` (when not
  // null) if the entry is older than half the staleness bound and no
  // reload of it has been claimed yet: the caller should then ClaimDue().
  Lookup Collect(UserId author, TweetId before, TweetId lower,
                 std::size_t limit, absl::Time now, std::vector<TweetId>& out,
                 bool* due = nullptr);

  // Refresh ahead: appends to `out` up to `max` authors whose entries are
  // older than half the staleness bound at `now` (but not stale), read
  // within the bound and not yet claimed, and
  // marks them claimed, so one caller reloads them (with Store()) while
  // their entries are still fresh and every other reader keeps hitting.
  // Without it each entry expires and every concurrent reader that meets
  // it stale reloads it, one statement each (docs/profile.md). A claim
  // ends with the next Store() of the author; if the claimer's load fails,
  // the entry simply goes stale and is loaded the ordinary way.
  void ClaimDue(absl::Time now, std::size_t max, std::vector<UserId>& out) {
    ClaimOlderThan(now, staleness_ / 2, max, out);
  }

  // The same with the age from which an entry is claimed chosen by the
  // caller: the store's background refresher claims entries at a quarter
  // of the bound, before any reader finds them due (readers then never pay
  // for a reload while the refresher keeps up).
  void ClaimOlderThan(absl::Time now, absl::Duration min_age, std::size_t max,
                      std::vector<UserId>& out);

  absl::Duration staleness() const { return staleness_; }

  // Records the result of reading `author`'s newest ids_per_author + 1
  // tweet ids (newest first) with a query that started at `loaded_at`: an
  // extra row means the author has older tweets than those kept. Ids the
  // entry already had within the loaded range are kept too (a local
  // AddTweet may have raced the query).
  void Store(UserId author, const std::vector<TweetId>& newest,
             absl::Time loaded_at);

  // A tweet by `author` committed through this process: added to the
  // author's entry, if there is one, so followers reading through this
  // process see it at once (no entry: the next load reads it).
  void AddTweet(UserId author, TweetId id);

  std::size_t ids_per_author() const { return ids_per_author_; }
  std::size_t size() const;  // authors cached
  // For metrics, labelled "merged_authors": a hit is a Collect answered
  // kHit, a miss one answered kLoad or kNotCovered.
  common::CacheStats Stats() const;

 private:
  struct Entry {
    std::vector<TweetId> ids;  // newest first, unique
    // Whether the author has tweets older than ids.back() (or any, when
    // ids is empty: false means none). Every tweet of the author committed
    // before the load, newer than ids.back(), is in ids.
    bool has_older = false;
    absl::Time loaded_at;
    // When a reader last used the entry (Collect); only entries read within
    // the staleness bound are claimed for a refresh.
    absl::Time last_read;
    bool refresh_claimed = false;     // a ClaimDue() caller is reloading it
    std::list<UserId>::iterator lru;  // position in lru_
  };

  void Touch(Entry& entry) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::size_t max_authors_;
  const std::size_t ids_per_author_;
  const absl::Duration staleness_;

  mutable absl::Mutex mu_;
  std::unordered_map<UserId, Entry> entries_ ABSL_GUARDED_BY(mu_);
  std::list<UserId> lru_ ABSL_GUARDED_BY(mu_);  // most recent first
  std::uint64_t hits_ ABSL_GUARDED_BY(mu_) = 0;
  std::uint64_t misses_ ABSL_GUARDED_BY(mu_) = 0;
  std::uint64_t evictions_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace miniter::storage::mysql

#endif  // MINITER_SERVER_STORAGE_MYSQL_MERGED_AUTHOR_CACHE_H_
