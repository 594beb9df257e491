// redis_limiter_state.cc: the key format and the Lua scripts of the shared
// rate limits (see redis_limiter_state.h).
//
// Keys are PREFIX<kind>:<hex of HMAC-SHA256(secret, kind NUL key), 128
// bits>, where kind is a bucket's name, "backoff" or "login":
//   bucket   hash {t: tokens, u: last refill (µs, Redis's clock)}; no key
//            means a full bucket, so the key expires when it would be full
//   backoff  hash {n: failures, l: last failure (µs)}; expires forget_after
//            after the last failure, when FailureBackoff would forget it
//   login    string "1" with the recognized-login TTL
// Times are microseconds of Redis's TIME (below 2^53: exact in Lua's
// doubles). Redis 7 replicates a script's effects, so reading TIME in a
// script that writes is allowed.
#include "server/storage/redis/redis_limiter_state.h"

#include <sodium.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace miniter::storage::redis {
namespace {

// KEYS[1] bucket; ARGV: capacity, period (µs), cost, "take" or "give".
// Returns 0 when taken or given back, else the µs until `cost` tokens.
constexpr const char* kBucketScript = R"lua(
local capacity = tonumber(ARGV[1])
local period = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local state = redis.call('HMGET', KEYS[1], 't', 'u')
local tokens, updated = tonumber(state[1]), tonumber(state[2])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
if tokens == nil or updated == nil then
  if ARGV[4] == 'give' then return 0 end
  tokens, updated = capacity, now
end
if now > updated then
  tokens = math.min(capacity, tokens + (now - updated) * capacity / period)
  updated = now
end
if ARGV[4] == 'give' then
  tokens = math.min(capacity, tokens + cost)
elseif tokens >= cost - 1e-9 then
  tokens = math.max(0, tokens - cost)
else
  return math.max(1, math.ceil((cost - tokens) * period / capacity))
end
local full_in_ms = math.ceil((capacity - tokens) * period / capacity / 1000)
if full_in_ms <= 0 then
  redis.call('DEL', KEYS[1])
  return 0
end
redis.call('HSET', KEYS[1], 't', tokens, 'u', updated)
redis.call('PEXPIRE', KEYS[1], full_in_ms + 1)
return 0
)lua";

// KEYS[1] failures; ARGV: free failures, first delay, max delay, forget
// after (µs), "count" or "refund". BackoffPolicy::DelayAfter and
// FailureBackoff::Acquire/Refund, on Redis's clock. Returns 0 when counted
// (or refunded), else the µs until the key may try.
constexpr const char* kBackoffScript = R"lua(
local free, first = tonumber(ARGV[1]), tonumber(ARGV[2])
local max, forget = tonumber(ARGV[3]), tonumber(ARGV[4])
local state = redis.call('HMGET', KEYS[1], 'n', 'l')
local n, last = tonumber(state[1]), tonumber(state[2])
if ARGV[5] == 'refund' then
  if n ~= nil and n > 0 then redis.call('HSET', KEYS[1], 'n', n - 1) end
  return 0
end
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
if n == nil or last == nil or now - last > forget then n, last = 0, now end
if n >= free then
  local delay, i = first, free
  while i < n and delay < max do
    delay = delay * 2
    i = i + 1
  end
  delay = math.min(delay, max)
  if now < last + delay then return last + delay - now end
end
n = n + 1
if now > last then last = now end
redis.call('HSET', KEYS[1], 'n', n, 'l', last)
redis.call('PEXPIRE', KEYS[1], math.ceil((last + forget - now) / 1000) + 1)
return 0
)lua";

constexpr std::size_t kMinSecretBytes = 16;
// Of the HMAC's 32 bytes: 128 bits make a collision of two clients'
// keys (one sharing the other's limit) practically impossible.
constexpr std::size_t kKeyHashBytes = 16;

std::string Micros(absl::Duration duration) {
  return std::to_string(absl::ToInt64Microseconds(duration));
}

// Fail open: the fallback answers while Redis does not, and nothing needs
// repairing when it is back (each key's TTL bounds what an outage left).
RedisBreakerOptions BreakerOptions(absl::Duration probe_period) {
  RedisBreakerOptions breaker;
  breaker.probe_period = probe_period;
  breaker.what = "rate limits";
  breaker.while_open = "per-process until Redis answers";
  breaker.when_closed = "shared through Redis";
  return breaker;
}

// The wait a script returned (µs), or zero for anything else.
absl::Duration WaitOf(const RedisReply& reply) {
  if (reply.type != RedisReply::Type::kInteger || reply.integer <= 0) {
    return absl::ZeroDuration();
  }
  return absl::Microseconds(reply.integer);
}

}  // namespace

absl::StatusOr<std::unique_ptr<RedisLimiterState>> RedisLimiterState::Create(
    RedisLimiterOptions options, const rules::RateLimitOptions& limits,
    std::unique_ptr<rules::LimiterState> fallback) {
  absl::StatusOr<RedisClientOptions> client = RedisClientOptions::FromUrl(
      options.url, options.connect_timeout, options.io_timeout);
  if (!client.ok()) return client.status();
  if (options.key_secret.size() < kMinSecretBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("shared rate limits need a key secret of at least ",
                     kMinSecretBytes, " bytes"));
  }
  if (fallback == nullptr) {
    return absl::InvalidArgumentError(
        "shared rate limits need a per-process fallback");
  }
  if (sodium_init() < 0) {
    return absl::InternalError("libsodium could not be initialized");
  }
  return std::unique_ptr<RedisLimiterState>(new RedisLimiterState(
      std::move(options), *std::move(client), limits, std::move(fallback)));
}

RedisLimiterState::RedisLimiterState(
    RedisLimiterOptions options, RedisClientOptions client,
    const rules::RateLimitOptions& limits,
    std::unique_ptr<rules::LimiterState> fallback)
    : options_(std::move(options)),
      limits_(limits),
      fallback_(std::move(fallback)),
      client_(std::move(client)),
      bucket_script_(kBucketScript),
      backoff_script_(kBackoffScript),
      breaker_(client_, BreakerOptions(options_.probe_period)) {}

RedisLimiterState::~RedisLimiterState() = default;

std::string RedisLimiterState::KeyFor(absl::string_view kind,
                                      absl::string_view key) const {
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(
      &state,
      reinterpret_cast<const unsigned char*>(options_.key_secret.data()),
      options_.key_secret.size());
  // NUL after the kind: no kind and key can run together into another's.
  const std::string kind_nul = absl::StrCat(kind, absl::string_view("\0", 1));
  crypto_auth_hmacsha256_update(
      &state, reinterpret_cast<const unsigned char*>(kind_nul.data()),
      kind_nul.size());
  crypto_auth_hmacsha256_update(
      &state, reinterpret_cast<const unsigned char*>(key.data()), key.size());
  crypto_auth_hmacsha256_final(&state, mac);
  return absl::StrCat(options_.key_prefix, kind, ":",
                      absl::BytesToHexString(absl::string_view(
                          reinterpret_cast<const char*>(mac), kKeyHashBytes)));
}

absl::StatusOr<RedisReply> RedisLimiterState::Run(
    RedisScript& script, std::string key,
    const std::vector<std::string>& args) {
  absl::StatusOr<RedisReply> reply =
      client_.Eval(script, {std::move(key)}, args);
  if (!reply.ok()) breaker_.Trip(reply.status());
  return reply;
}

absl::StatusOr<RedisReply> RedisLimiterState::Run(
    const std::vector<std::string>& argv) {
  absl::StatusOr<RedisReply> reply = client_.Command(argv);
  if (!reply.ok()) breaker_.Trip(reply.status());
  return reply;
}

absl::Duration RedisLimiterState::Take(rules::Bucket bucket,
                                       absl::string_view key,
                                       std::int64_t cost) {
  const rules::RateLimit& limit = rules::LimitOf(limits_, bucket);
  if (!limit.enabled()) return absl::ZeroDuration();
  if (!breaker_.Usable()) return fallback_->Take(bucket, key, cost);
  absl::StatusOr<RedisReply> reply =
      Run(bucket_script_, KeyFor(rules::BucketName(bucket), key),
          {std::to_string(limit.requests), Micros(limit.period),
           std::to_string(std::max<std::int64_t>(cost, 1)), "take"});
  if (!reply.ok()) return fallback_->Take(bucket, key, cost);
  return WaitOf(*reply);
}

void RedisLimiterState::GiveBack(rules::Bucket bucket, absl::string_view key,
                                 std::int64_t cost) {
  const rules::RateLimit& limit = rules::LimitOf(limits_, bucket);
  if (!limit.enabled()) return;
  // A token taken from Redis before an outage is not given back to the
  // fallback (nor the other way round): the key's TTL refills it anyway.
  if (!breaker_.Usable()) return fallback_->GiveBack(bucket, key, cost);
  absl::StatusOr<RedisReply> reply =
      Run(bucket_script_, KeyFor(rules::BucketName(bucket), key),
          {std::to_string(limit.requests), Micros(limit.period),
           std::to_string(std::max<std::int64_t>(cost, 1)), "give"});
  if (!reply.ok()) fallback_->GiveBack(bucket, key, cost);
}

std::vector<std::string> RedisLimiterState::BackoffArgs(
    const char* operation) const {
  const rules::BackoffPolicy& policy = limits_.login_backoff_per_email_and_peer;
  return {std::to_string(policy.free_failures), Micros(policy.first_delay),
          Micros(policy.max_delay), Micros(policy.forget_after), operation};
}

absl::Duration RedisLimiterState::CountFailure(absl::string_view key) {
  if (!limits_.login_backoff_per_email_and_peer.enabled()) {
    return absl::ZeroDuration();
  }
  if (!breaker_.Usable()) return fallback_->CountFailure(key);
  absl::StatusOr<RedisReply> reply =
      Run(backoff_script_, KeyFor("backoff", key), BackoffArgs("count"));
  if (!reply.ok()) return fallback_->CountFailure(key);
  return WaitOf(*reply);
}

void RedisLimiterState::RefundFailure(absl::string_view key) {
  if (!limits_.login_backoff_per_email_and_peer.enabled()) return;
  if (!breaker_.Usable()) return fallback_->RefundFailure(key);
  if (!Run(backoff_script_, KeyFor("backoff", key), BackoffArgs("refund"))
           .ok()) {
    fallback_->RefundFailure(key);
  }
}

void RedisLimiterState::ForgetFailures(absl::string_view key) {
  if (!limits_.login_backoff_per_email_and_peer.enabled()) return;
  // Also from the fallback: failures counted there during an outage must
  // not outlive the success that clears them.
  fallback_->ForgetFailures(key);
  if (breaker_.Usable()) Run({"DEL", KeyFor("backoff", key)}).IgnoreError();
}

void RedisLimiterState::RememberLogin(absl::string_view key) {
  const absl::Duration ttl = limits_.recognized_login_ttl;
  if (ttl <= absl::ZeroDuration()) return;
  // In both: a login remembered only in the fallback during an outage
  // keeps its exemption on this server after Redis is back.
  fallback_->RememberLogin(key);
  if (!breaker_.Usable()) return;
  const std::int64_t ttl_ms =
      std::max<std::int64_t>(1, absl::ToInt64Milliseconds(ttl));
  Run({"SET", KeyFor("login", key), "1", "PX", std::to_string(ttl_ms)})
      .IgnoreError();
}

bool RedisLimiterState::RecognizesLogin(absl::string_view key) {
  if (limits_.recognized_login_ttl <= absl::ZeroDuration()) return false;
  if (breaker_.Usable()) {
    absl::StatusOr<RedisReply> reply = Run({"EXISTS", KeyFor("login", key)});
    if (reply.ok() && reply->integer > 0) return true;
  }
  return fallback_->RecognizesLogin(key);
}

}  // namespace miniter::storage::redis
