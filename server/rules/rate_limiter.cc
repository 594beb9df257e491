// rate_limiter.cc: token buckets with a bounded key map.
#include "server/rules/rate_limiter.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/hash/hash.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace miniter::rules {

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
  const double earned = absl::FDivDuration(now - bucket.updated, limit_.period) *
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
  // max_keys/4 insertions away (amortized O(1)).
  const std::size_t target = max_keys_ - max_keys_ / 4;
  for (auto it = buckets_.begin();
       it != buckets_.end() && buckets_.size() > target;) {
    buckets_.erase(it++);
  }
}

absl::Duration RateLimiter::Acquire(absl::string_view full_key) {
  if (!limit_.enabled()) return absl::ZeroDuration();
  // Keys come from clients (an e-mail of up to 64 KiB): long ones are
  // stored as a prefix plus a hash of the whole, so memory per key stays
  // small.
  std::string shortened;
  absl::string_view key = full_key;
  if (key.size() > kMaxKeyBytes) {
    shortened = absl::StrCat(key.substr(0, kMaxKeyBytes), "#",
                             absl::Hash<absl::string_view>()(key));
    key = shortened;
  }
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
  if (bucket.tokens >= 1.0) {
    bucket.tokens -= 1.0;
    return absl::ZeroDuration();
  }
  // Time to earn the missing fraction of a token.
  return limit_.period * ((1.0 - bucket.tokens) /
                          static_cast<double>(limit_.requests));
}

std::size_t RateLimiter::tracked_keys() const {
  absl::MutexLock lock(&mutex_);
  return buckets_.size();
}

}  // namespace miniter::rules
