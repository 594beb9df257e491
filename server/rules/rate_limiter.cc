// rate_limiter.cc: token buckets, failure backoff and recent keys, each with
// a bounded key map.
#include "server/rules/rate_limiter.h"

#include <algorithm>
#include <limits>
#include <utility>
#include <vector>

#include "absl/hash/hash.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace miniter::rules {
namespace {

// Keys come from clients (an e-mail of up to 64 KiB): long ones are stored
// as a prefix plus a hash of the whole, so memory per key stays small.
absl::string_view BoundedKey(absl::string_view key, std::string* storage) {
  if (key.size() <= RateLimiter::kMaxKeyBytes) return key;
  *storage = absl::StrCat(key.substr(0, RateLimiter::kMaxKeyBytes), "#",
                          absl::Hash<absl::string_view>()(key));
  return *storage;
}

// Erases the `count` entries of `map` that `less` puts first (O(n)).
template <typename Map, typename Less>
void EraseFirst(Map& map, std::size_t count, Less less) {
  if (count == 0) return;
  using Entry = std::pair<typename Map::mapped_type, const std::string*>;
  std::vector<Entry> entries;
  entries.reserve(map.size());
  for (const auto& [key, value] : map) entries.emplace_back(value, &key);
  count = std::min(count, entries.size());
  std::nth_element(
      entries.begin(), entries.begin() + (count - 1), entries.end(),
      [&](const Entry& a, const Entry& b) { return less(a.first, b.first); });
  std::vector<std::string> doomed;
  doomed.reserve(count);
  for (std::size_t i = 0; i < count; ++i) doomed.push_back(*entries[i].second);
  for (const std::string& key : doomed) map.erase(key);
}

}  // namespace

absl::StatusOr<RateLimit> ParseRateLimit(absl::string_view spec) {
  const absl::string_view trimmed = absl::StripAsciiWhitespace(spec);
  if (absl::AsciiStrToLower(trimmed) == "off") return RateLimit{};
  const std::size_t slash = trimmed.find('/');
  RateLimit limit;
  if (slash == absl::string_view::npos ||
      !absl::SimpleAtoi(trimmed.substr(0, slash), &limit.requests) ||
      limit.requests <= 0 ||
      !absl::ParseDuration(trimmed.substr(slash + 1), &limit.period) ||
      limit.period <= absl::ZeroDuration() ||
      limit.period == absl::InfiniteDuration()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "a rate limit is \"N/DURATION\" with N > 0 (e.g. \"10/1m\", "
        "\"5/1s\") or \"off\", not \"",
        spec, "\""));
  }
  return limit;
}

std::string FormatRateLimit(const RateLimit& limit) {
  if (!limit.enabled()) return "off";
  return absl::StrCat(limit.requests, "/", absl::FormatDuration(limit.period));
}

RateLimiter::RateLimiter(RateLimit limit, std::size_t max_keys,
                         std::function<absl::Time()> clock)
    : limit_(limit),
      max_keys_(std::max<std::size_t>(max_keys, 4)),
      clock_(std::move(clock)) {}

void RateLimiter::Refill(Bucket& bucket, absl::Time now) const {
  if (now <= bucket.updated) return;
  const double earned =
      absl::FDivDuration(now - bucket.updated, limit_.period) *
      static_cast<double>(limit_.requests);
  bucket.tokens =
      std::min(static_cast<double>(limit_.requests), bucket.tokens + earned);
  bucket.updated = now;
}

void RateLimiter::MakeRoom(absl::Time now) {
  const std::size_t before = buckets_.size();
  std::vector<std::string> full;
  for (auto& [key, bucket] : buckets_) {
    Refill(bucket, now);
    if (bucket.tokens >= static_cast<double>(limit_.requests)) {
      full.push_back(key);
    }
  }
  for (const std::string& key : full) buckets_.erase(key);
  if (before - buckets_.size() >= max_keys_ / 4) return;
  // Mostly active keys: drop some anyway so that the next sweep is at least
  // max_keys/4 insertions away (amortized O(1)); the fullest buckets first,
  // since forgetting them gives their keys the fewest extra calls.
  const std::size_t target = max_keys_ - max_keys_ / 4;
  if (buckets_.size() <= target) return;
  EraseFirst(
      buckets_, buckets_.size() - target,
      [](const Bucket& a, const Bucket& b) { return a.tokens > b.tokens; });
}

absl::Duration RateLimiter::Acquire(absl::string_view full_key,
                                    std::int64_t cost) {
  if (!limit_.enabled()) return absl::ZeroDuration();
  std::string shortened;
  const absl::string_view key = BoundedKey(full_key, &shortened);
  const absl::Time now = clock_();
  absl::MutexLock lock(&mutex_);
  auto it = buckets_.find(key);
  if (it == buckets_.end()) {
    if (buckets_.size() >= max_keys_) MakeRoom(now);
    it = buckets_
             .emplace(std::string(key),
                      Bucket{static_cast<double>(limit_.requests), now})
             .first;
  }
  Bucket& bucket = it->second;
  Refill(bucket, now);
  const double wanted = static_cast<double>(cost);
  // Refills are floating point: a client that waited exactly the time it
  // was told may find 0.9999999999 tokens. That counts as one.
  constexpr double kRoundingSlack = 1e-9;
  if (bucket.tokens >= wanted - kRoundingSlack) {
    bucket.tokens = std::max(0.0, bucket.tokens - wanted);
    return absl::ZeroDuration();
  }
  // Time to earn the missing tokens; never zero, which would read as "go
  // ahead" with nothing taken (a tiny fraction times the period can round
  // to zero Duration).
  return std::max(absl::Nanoseconds(1),
                  limit_.period * ((wanted - bucket.tokens) /
                                   static_cast<double>(limit_.requests)));
}

void RateLimiter::Refund(absl::string_view full_key, std::int64_t cost) {
  if (!limit_.enabled()) return;
  std::string shortened;
  const absl::string_view key = BoundedKey(full_key, &shortened);
  const absl::Time now = clock_();
  absl::MutexLock lock(&mutex_);
  auto it = buckets_.find(key);
  if (it == buckets_.end()) return;
  Refill(it->second, now);
  it->second.tokens = std::min(static_cast<double>(limit_.requests),
                               it->second.tokens + static_cast<double>(cost));
}

std::size_t RateLimiter::tracked_keys() const {
  absl::MutexLock lock(&mutex_);
  return buckets_.size();
}

// ---- FailureBackoff ---------------------------------------------------------

absl::Duration BackoffPolicy::DelayAfter(std::int64_t failures) const {
  if (!enabled() || failures < free_failures) return absl::ZeroDuration();
  absl::Duration delay = first_delay;
  // Doubling past max_delay stops early, so no overflow for any count.
  for (std::int64_t i = free_failures; i < failures && delay < max_delay; ++i) {
    delay *= 2;
  }
  return std::min(delay, max_delay);
}

std::int64_t BackoffPolicy::MaxFailuresIn(absl::Duration window) const {
  if (!enabled()) return std::numeric_limits<std::int64_t>::max();
  // A fresh key that tries the moment it may: free failures at once, then
  // one failure per delay. A key with earlier failures waits at least as
  // long before each of its next ones, and no key is forgotten inside a
  // window no longer than forget_after, so this is the worst case.
  std::int64_t failures = 0;
  absl::Duration at = absl::ZeroDuration();
  while (at <= window) {
    ++failures;
    at += DelayAfter(failures);
  }
  return failures;
}

absl::StatusOr<BackoffPolicy> ParseBackoffPolicy(absl::string_view spec) {
  const absl::string_view trimmed = absl::StripAsciiWhitespace(spec);
  if (absl::AsciiStrToLower(trimmed) == "off") return BackoffPolicy{};
  const absl::Status invalid = absl::InvalidArgumentError(absl::StrCat(
      "a login backoff is \"FREE,FIRST,MAX[,FORGET]\" with FREE > 0 and "
      "0 < FIRST <= MAX <= FORGET (e.g. \"5,1s,5m\": 5 free failures, then "
      "waits from 1s doubling up to 5m, forgotten after 1h without one) or "
      "\"off\", not \"",
      spec, "\""));
  std::vector<absl::string_view> parts = absl::StrSplit(trimmed, ',');
  if (parts.size() != 3 && parts.size() != 4) return invalid;
  BackoffPolicy policy;
  const auto duration = [](absl::string_view text, absl::Duration* out) {
    return absl::ParseDuration(absl::StripAsciiWhitespace(text), out) &&
           *out > absl::ZeroDuration() && *out != absl::InfiniteDuration();
  };
  if (!absl::SimpleAtoi(absl::StripAsciiWhitespace(parts[0]),
                        &policy.free_failures) ||
      policy.free_failures <= 0 || !duration(parts[1], &policy.first_delay) ||
      !duration(parts[2], &policy.max_delay) ||
      (parts.size() == 4 && !duration(parts[3], &policy.forget_after)) ||
      policy.first_delay > policy.max_delay ||
      policy.max_delay > policy.forget_after) {
    return invalid;
  }
  return policy;
}

std::string FormatBackoffPolicy(const BackoffPolicy& policy) {
  if (!policy.enabled()) return "off";
  return absl::StrCat(policy.free_failures, ",",
                      absl::FormatDuration(policy.first_delay), ",",
                      absl::FormatDuration(policy.max_delay), ",",
                      absl::FormatDuration(policy.forget_after));
}

FailureBackoff::FailureBackoff(BackoffPolicy policy, std::size_t max_keys,
                               std::function<absl::Time()> clock)
    : policy_(policy),
      max_keys_(std::max<std::size_t>(max_keys, 4)),
      clock_(std::move(clock)) {}

void FailureBackoff::MakeRoom(absl::Time now) {
  const std::size_t before = keys_.size();
  std::vector<std::string> forgotten;
  for (const auto& [key, failures] : keys_) {
    if (now - failures.last > policy_.forget_after) forgotten.push_back(key);
  }
  for (const std::string& key : forgotten) keys_.erase(key);
  if (before - keys_.size() >= max_keys_ / 4) return;
  const std::size_t target = max_keys_ - max_keys_ / 4;
  if (keys_.size() <= target) return;
  EraseFirst(
      keys_, keys_.size() - target,
      [](const Failures& a, const Failures& b) { return a.count < b.count; });
}

absl::Duration FailureBackoff::Acquire(absl::string_view full_key) {
  if (!policy_.enabled()) return absl::ZeroDuration();
  std::string shortened;
  const absl::string_view key = BoundedKey(full_key, &shortened);
  const absl::Time now = clock_();
  absl::MutexLock lock(&mutex_);
  auto it = keys_.find(key);
  if (it == keys_.end()) {
    if (keys_.size() >= max_keys_) MakeRoom(now);
    it = keys_.emplace(std::string(key), Failures{0, now}).first;
  }
  Failures& failures = it->second;
  if (now - failures.last > policy_.forget_after) failures.count = 0;
  const absl::Time ready = failures.last + policy_.DelayAfter(failures.count);
  if (failures.count >= policy_.free_failures && now < ready) {
    return ready - now;
  }
  ++failures.count;
  failures.last = std::max(failures.last, now);
  return absl::ZeroDuration();
}

void FailureBackoff::Reset(absl::string_view full_key) {
  if (!policy_.enabled()) return;
  std::string shortened;
  const absl::string_view key = BoundedKey(full_key, &shortened);
  absl::MutexLock lock(&mutex_);
  keys_.erase(key);
}

void FailureBackoff::Refund(absl::string_view full_key) {
  if (!policy_.enabled()) return;
  std::string shortened;
  const absl::string_view key = BoundedKey(full_key, &shortened);
  absl::MutexLock lock(&mutex_);
  auto it = keys_.find(key);
  if (it != keys_.end() && it->second.count > 0) --it->second.count;
}

std::size_t FailureBackoff::tracked_keys() const {
  absl::MutexLock lock(&mutex_);
  return keys_.size();
}

// ---- RecentKeys -------------------------------------------------------------

RecentKeys::RecentKeys(absl::Duration ttl, std::size_t max_keys,
                       std::function<absl::Time()> clock)
    : ttl_(ttl),
      max_keys_(std::max<std::size_t>(max_keys, 4)),
      clock_(std::move(clock)) {}

void RecentKeys::MakeRoom(absl::Time now) {
  const std::size_t before = seen_.size();
  std::vector<std::string> expired;
  for (const auto& [key, seen] : seen_) {
    if (now - seen >= ttl_) expired.push_back(key);
  }
  for (const std::string& key : expired) seen_.erase(key);
  if (before - seen_.size() >= max_keys_ / 4) return;
  const std::size_t target = max_keys_ - max_keys_ / 4;
  if (seen_.size() <= target) return;
  EraseFirst(seen_, seen_.size() - target,
             [](absl::Time a, absl::Time b) { return a < b; });
}

void RecentKeys::Remember(absl::string_view full_key) {
  if (ttl_ <= absl::ZeroDuration()) return;
  std::string shortened;
  const absl::string_view key = BoundedKey(full_key, &shortened);
  const absl::Time now = clock_();
  absl::MutexLock lock(&mutex_);
  auto it = seen_.find(key);
  if (it != seen_.end()) {
    it->second = std::max(it->second, now);
    return;
  }
  if (seen_.size() >= max_keys_) MakeRoom(now);
  seen_.emplace(std::string(key), now);
}

bool RecentKeys::Contains(absl::string_view full_key) const {
  if (ttl_ <= absl::ZeroDuration()) return false;
  std::string shortened;
  const absl::string_view key = BoundedKey(full_key, &shortened);
  const absl::Time now = clock_();
  absl::MutexLock lock(&mutex_);
  auto it = seen_.find(key);
  return it != seen_.end() && now - it->second < ttl_;
}

std::size_t RecentKeys::tracked_keys() const {
  absl::MutexLock lock(&mutex_);
  return seen_.size();
}

}  // namespace miniter::rules
