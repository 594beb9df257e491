// redis_breaker.h: keeps callers off a Redis that has just failed. After a
// failure the breaker is open (Usable() false: callers use their fallback
// at once, without a round trip) until a PING from a thread of its own
// answers and the owner's recovery step, if it has one, succeeds, so an
// outage costs the calls in flight at that moment at most the client's I/O
// timeout, and no call after them waits at all. Used by the memory tier
// (whose recovery step applies the writes it missed) and the shared rate
// limits (which need none).
#ifndef MINITER_SERVER_STORAGE_REDIS_REDIS_BREAKER_H_
#define MINITER_SERVER_STORAGE_REDIS_REDIS_BREAKER_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "server/storage/redis/redis_client.h"

namespace miniter::storage::redis {

struct RedisBreakerOptions {
  // How often an open breaker probes.
  absl::Duration probe_period = absl::Milliseconds(200);
  // Log lines: "<what>: <why>; <while_open>" once per outage, and
  // "<what>: <when_closed>" when it ends.
  std::string what;         // "rate limits"
  std::string while_open;   // "per-process until Redis answers"
  std::string when_closed;  // "shared through Redis"
  // True: probe once before the constructor returns (at most the client's
  // connect and I/O timeouts), so that a Redis that is up is used from the
  // first call. False: the first probe runs at once on the prober thread,
  // so the owner's start never waits for Redis.
  bool probe_before_return = true;
  // Runs after a PING answered, before the breaker closes (on the prober
  // thread; in the constructor for a first probe before it returns). The
  // breaker stays open, and the next probe tries again, when it fails or
  // when Trip was called while it ran (a call that failed meanwhile may
  // need it again). Null: none.
  std::function<absl::Status()> on_recovery;
};

// Thread-safe.
class RedisBreaker {
 public:
  // `client` must outlive the breaker, and so must whatever `on_recovery`
  // uses: the destructor stops the prober, waiting for a running probe.
  RedisBreaker(RedisClient& client, RedisBreakerOptions options);
  ~RedisBreaker();
  RedisBreaker(const RedisBreaker&) = delete;
  RedisBreaker& operator=(const RedisBreaker&) = delete;

  // Closed: callers may use Redis. Cheap; no round trip.
  bool Usable() const { return usable_.load(); }
  // Half open: Redis answered and on_recovery is running, and no Trip came
  // since it began. Cheap; no round trip.
  bool Recovering() const { return recovering_.load(); }
  // A call failed with `why`: open (and not Recovering) until the next
  // successful probe and recovery.
  void Trip(const absl::Status& why);

 private:
  // Closes the breaker when Redis answers a PING and on_recovery succeeds.
  void ProbeOnce();
  void Probe(bool probe_now);
  // Logs "<what>: <why>; <while_open>" unless this outage was logged.
  void SayOpen(const absl::Status& why);

  RedisClient& client_;
  const RedisBreakerOptions options_;
  // Every atomic here is sequentially consistent: the memory tier's
  // argument that no write is missed (Recovering) relies on it.
  std::atomic<bool> usable_{false};
  std::atomic<bool> recovering_{false};
  // Counts Trip calls, so that a probe sees one that came during recovery.
  std::atomic<std::uint64_t> trips_{0};
  // This outage has been logged (by Trip or a failed probe).
  std::atomic<bool> said_open_{false};
  absl::Notification stop_;
  std::thread prober_;
};

}  // namespace miniter::storage::redis

#endif  // MINITER_SERVER_STORAGE_REDIS_REDIS_BREAKER_H_
