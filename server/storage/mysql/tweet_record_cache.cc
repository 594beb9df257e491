// tweet_record_cache.cc: the hydrated-tweet cache (see the .h).
#include "server/storage/mysql/tweet_record_cache.h"

namespace miniter::storage::mysql {

TweetRecordCache::TweetRecordCache(std::size_t max_bytes)
    : max_bytes_(max_bytes) {}

std::size_t TweetRecordCache::Lookup(const std::vector<TweetId>& ids,
                                     std::vector<TweetRecord>& found,
                                     std::vector<bool>& hit) {
  found.assign(ids.size(), TweetRecord());
  hit.assign(ids.size(), false);
  std::size_t hits = 0;
  absl::MutexLock lock(&mu_);
  for (std::size_t i = 0; i < ids.size(); ++i) {
    auto it = entries_.find(ids[i]);
    if (it == entries_.end()) continue;
    lru_.splice(lru_.begin(), lru_, it->second.lru);
    found[i] = it->second.record;
    hit[i] = true;
    ++hits;
  }
  hits_ += hits;
  misses_ += ids.size() - hits;
  return hits;
}

void TweetRecordCache::Insert(const std::vector<TweetRecord>& tweets) {
  absl::MutexLock lock(&mu_);
  for (const TweetRecord& tweet : tweets) {
    const std::size_t bytes =
        kEntryOverhead + tweet.text.size() + tweet.author_name.size();
    if (bytes > max_bytes_) continue;
    auto [it, inserted] = entries_.try_emplace(tweet.id);
    if (!inserted) continue;
    lru_.push_front(tweet.id);
    it->second.record = tweet;
    it->second.bytes = bytes;
    it->second.lru = lru_.begin();
    bytes_ += bytes;
    while (bytes_ > max_bytes_) {
      auto oldest = entries_.find(lru_.back());
      bytes_ -= oldest->second.bytes;
      entries_.erase(oldest);
      lru_.pop_back();
      ++evictions_;
    }
  }
}

std::size_t TweetRecordCache::size() const {
  absl::MutexLock lock(&mu_);
  return entries_.size();
}

common::CacheStats TweetRecordCache::Stats() const {
  absl::MutexLock lock(&mu_);
  common::CacheStats stats;
  stats.name = "tweet_records";
  stats.hits = hits_;
  stats.misses = misses_;
  stats.evictions = evictions_;
  stats.entries = entries_.size();
  stats.bytes = std::uint64_t{bytes_};
  return stats;
}

std::size_t TweetRecordCache::bytes() const {
  absl::MutexLock lock(&mu_);
  return bytes_;
}

}  // namespace miniter::storage::mysql
