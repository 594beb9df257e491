// cache_stats.h: what an in-process cache reports to metrics: a copy taken
// under the cache's own lock at scrape time, from counters the cache
// updates under the lock it already holds for the lookup, so reporting adds
// no lock to the hot path.
#ifndef MINITER_SERVER_COMMON_CACHE_STATS_H_
#define MINITER_SERVER_COMMON_CACHE_STATS_H_

#include <cstdint>
#include <optional>
#include <string>

namespace miniter::common {

struct CacheStats {
  std::string name;  // the cache label, e.g. "tweet_records"
  // Since start.
  std::uint64_t hits = 0;
  std::uint64_t misses = 0;
  std::uint64_t evictions = 0;
  // Now.
  std::uint64_t entries = 0;
  std::optional<std::uint64_t> bytes;  // estimated footprint, if tracked
};

}  // namespace miniter::common

#endif  // MINITER_SERVER_COMMON_CACHE_STATS_H_
