// merged_author_cache.cc: the merged-author id cache (see the .h).
#include "server/storage/mysql/merged_author_cache.h"

#include <algorithm>
#include <functional>

namespace miniter::storage::mysql {

MergedAuthorCache::MergedAuthorCache(std::size_t max_authors,
                                     std::size_t ids_per_author,
                                     absl::Duration staleness)
    : max_authors_(std::max<std::size_t>(1, max_authors)),
      ids_per_author_(std::max<std::size_t>(1, ids_per_author)),
      staleness_(staleness) {}

void MergedAuthorCache::Touch(Entry& entry) {
  lru_.splice(lru_.begin(), lru_, entry.lru);
}

MergedAuthorCache::Lookup MergedAuthorCache::Collect(
    UserId author, TweetId before, TweetId lower, std::size_t limit,
    absl::Time now, std::vector<TweetId>& out, bool* due) {
  absl::MutexLock lock(&mu_);
  auto found = entries_.find(author);
  if (found == entries_.end() || now - found->second.loaded_at > staleness_) {
    ++misses_;
    return Lookup::kLoad;
  }
  Entry& entry = found->second;
  Touch(entry);
  entry.last_read = std::max(entry.last_read, now);
  if (due != nullptr && !entry.refresh_claimed &&
      now - entry.loaded_at > staleness_ / 2) {
    *due = true;
  }
  const std::vector<TweetId>& ids = entry.ids;
  // First id below `before` (ids are descending).
  auto it =
      std::upper_bound(ids.begin(), ids.end(), before, std::greater<TweetId>());
  const std::size_t start = out.size();
  std::size_t taken = 0;
  for (; it != ids.end() && *it > lower && taken < limit; ++it, ++taken) {
    out.push_back(*it);
  }
  // The ids are contiguous from ids.back() upwards, so the range is known
  // when the page filled, when we stopped at an id at or below `lower`, or
  // when the author has nothing older than what is cached.
  const bool covered = taken == limit || it != ids.end() || !entry.has_older;
  if (covered) {
    ++hits_;
    return Lookup::kHit;
  }
  ++misses_;
  out.resize(start);
  return Lookup::kNotCovered;
}

void MergedAuthorCache::ClaimOlderThan(absl::Time now, absl::Duration min_age,
                                       std::size_t max,
                                       std::vector<UserId>& out) {
  absl::MutexLock lock(&mu_);
  for (auto& [author, entry] : entries_) {
    if (max == 0) break;
    // Stale entries are not claimed: their readers load them anyway. Nor
    // are entries nobody has read for a whole bound: refreshing them would
    // only keep reloading authors whose followers stopped reading (until
    // evicted), and their next reader finds them stale and loads them.
    const absl::Duration age = now - entry.loaded_at;
    if (entry.refresh_claimed || age <= min_age || age > staleness_ ||
        now - entry.last_read > staleness_) {
      continue;
    }
    entry.refresh_claimed = true;
    out.push_back(author);
    --max;
  }
}

void MergedAuthorCache::Store(UserId author, const std::vector<TweetId>& newest,
                              absl::Time loaded_at) {
  std::vector<TweetId> ids(
      newest.begin(), newest.begin() + static_cast<std::ptrdiff_t>(std::min(
                                           newest.size(), ids_per_author_)));
  std::sort(ids.begin(), ids.end(), std::greater<TweetId>());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  bool has_older = newest.size() > ids_per_author_;

  absl::MutexLock lock(&mu_);
  auto found = entries_.find(author);
  if (found != entries_.end()) {
    // Keep ids this process added (AddTweet) that the query may have
    // missed, but only within the loaded range: below it the entry's
    // contiguity would no longer hold.
    const TweetId floor = has_older && !ids.empty() ? ids.back() : 0;
    for (TweetId id : found->second.ids) {
      if (id >= floor) ids.push_back(id);
    }
    std::sort(ids.begin(), ids.end(), std::greater<TweetId>());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    if (ids.size() > ids_per_author_) {
      ids.resize(ids_per_author_);
      has_older = true;
    }
    Entry& entry = found->second;
    entry.ids = std::move(ids);
    entry.has_older = has_older;
    entry.loaded_at = std::max(entry.loaded_at, loaded_at);
    entry.refresh_claimed = false;
    Touch(entry);
    return;
  }
  lru_.push_front(author);
  Entry& entry = entries_[author];
  entry.ids = std::move(ids);
  entry.has_older = has_older;
  entry.loaded_at = loaded_at;
  entry.last_read = loaded_at;  // loaded for a reader
  entry.lru = lru_.begin();
  while (entries_.size() > max_authors_) {
    entries_.erase(lru_.back());
    lru_.pop_back();
    ++evictions_;
  }
}

void MergedAuthorCache::AddTweet(UserId author, TweetId id) {
  absl::MutexLock lock(&mu_);
  auto found = entries_.find(author);
  if (found == entries_.end()) return;
  std::vector<TweetId>& ids = found->second.ids;
  // Usually the newest, so the insertion point is at the front.
  auto it =
      std::lower_bound(ids.begin(), ids.end(), id, std::greater<TweetId>());
  if (it != ids.end() && *it == id) return;
  // Below the cached ids, with older ones uncached: keeping it would claim
  // the gap above it is complete.
  if (it == ids.end() && found->second.has_older) return;
  ids.insert(it, id);
  if (ids.size() > ids_per_author_) {
    ids.pop_back();
    found->second.has_older = true;
  }
}

common::CacheStats MergedAuthorCache::Stats() const {
  absl::MutexLock lock(&mu_);
  common::CacheStats stats;
  stats.name = "merged_authors";
  stats.hits = hits_;
  stats.misses = misses_;
  stats.evictions = evictions_;
  stats.entries = entries_.size();
  return stats;
}

std::size_t MergedAuthorCache::size() const {
  absl::MutexLock lock(&mu_);
  return entries_.size();
}

}  // namespace miniter::storage::mysql
