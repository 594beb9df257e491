// redis_limiter_state.h: the rate limits' state (rules::LimiterState) in
// the Redis of the memory tier, so that every server of a cluster enforces
// one limit instead of one each. Each change is one Lua script (atomic, on
// Redis's clock, so servers with skewed clocks still agree); every key has
// a TTL that ends once it means nothing (a refilled bucket, forgotten
// failures, an expired recognized login), so Redis's memory stays bounded
// by the clients of the last TTL; keys are keyed hashes of the e-mails and
// addresses, never the text itself.
//
// Fail open: while Redis is unreachable (RedisBreaker) every call is
// answered by the per-process fallback it was built with, so an outage of
// the cache never refuses a login for a reason of its own, and guessing
// stays bounded by each process's own limits meanwhile.
#ifndef MINITER_SERVER_STORAGE_REDIS_REDIS_LIMITER_STATE_H_
#define MINITER_SERVER_STORAGE_REDIS_REDIS_LIMITER_STATE_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "server/rules/limiter_state.h"
#include "server/storage/redis/redis_breaker.h"
#include "server/storage/redis/redis_client.h"

namespace miniter::storage::redis {

struct RedisLimiterOptions {
  // redis://HOST[:PORT] or unix:///PATH.
  std::string url;
  absl::Duration connect_timeout = absl::Milliseconds(250);
  // The most one call waits for a Redis that stopped answering (plus
  // connect_timeout when it opens a connection). Only the calls in flight
  // at that moment pay it: the breaker then sends every call to the
  // fallback until Redis is back.
  absl::Duration io_timeout = absl::Milliseconds(250);
  absl::Duration probe_period = absl::Milliseconds(200);
  // Key prefix, so that several deployments (or tests) can share a Redis.
  std::string key_prefix = "miniter:rl:";
  // The key of the keyed hash (HMAC-SHA256) that names each key, at least
  // 16 bytes; every server of one deployment must have the same one (the
  // server derives it from the token secret). Without it, a dump of Redis
  // could be matched against a list of e-mail addresses.
  std::string key_secret;
};

// Thread-safe.
class RedisLimiterState : public rules::LimiterState {
 public:
  // INVALID_ARGUMENT for a malformed URL or a short key_secret. Tries Redis
  // once (at most the connect and I/O timeouts) but never fails for it:
  // `fallback` answers until a probe reaches Redis.
  static absl::StatusOr<std::unique_ptr<RedisLimiterState>> Create(
      RedisLimiterOptions options, const rules::RateLimitOptions& limits,
      std::unique_ptr<rules::LimiterState> fallback);
  ~RedisLimiterState() override;

  absl::Duration Take(rules::Bucket bucket, absl::string_view key,
                      std::int64_t cost) override;
  void GiveBack(rules::Bucket bucket, absl::string_view key,
                std::int64_t cost) override;
  absl::Duration CountFailure(absl::string_view key) override;
  void ForgetFailures(absl::string_view key) override;
  void RefundFailure(absl::string_view key) override;
  void RememberLogin(absl::string_view key) override;
  bool RecognizesLogin(absl::string_view key) override;

  // True while calls go to Redis (false: to the fallback).
  bool Shared() const { return breaker_.Usable(); }
  // The Redis key that holds `key`'s state of `kind` (a BucketName,
  // "backoff" or "login"), for tests and operators.
  std::string KeyFor(absl::string_view kind, absl::string_view key) const;

 private:
  RedisLimiterState(RedisLimiterOptions options, RedisClientOptions client,
                    const rules::RateLimitOptions& limits,
                    std::unique_ptr<rules::LimiterState> fallback);
  // The reply of `script`, or the error after tripping the breaker.
  absl::StatusOr<RedisReply> Run(RedisScript& script, std::string key,
                                 const std::vector<std::string>& args);
  absl::StatusOr<RedisReply> Run(const std::vector<std::string>& argv);
  std::vector<std::string> BackoffArgs(const char* operation) const;

  const RedisLimiterOptions options_;
  const rules::RateLimitOptions limits_;
  const std::unique_ptr<rules::LimiterState> fallback_;
  RedisClient client_;
  RedisScript bucket_script_;
  RedisScript backoff_script_;
  // Last: its prober thread uses client_.
  RedisBreaker breaker_;
};

}  // namespace miniter::storage::redis

#endif  // MINITER_SERVER_STORAGE_REDIS_REDIS_LIMITER_STATE_H_
