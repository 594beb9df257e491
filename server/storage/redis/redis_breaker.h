// redis_breaker.h: keeps callers off a Redis that has just failed. After a
// failure the breaker is open (Usable() false: callers use their fallback
// at once, without a round trip) until a PING from a thread of its own
// answers, so an outage costs the calls in flight at that moment at most
// the client's I/O timeout, and no call after them waits at all.
#ifndef MINITER_SERVER_STORAGE_REDIS_REDIS_BREAKER_H_
#define MINITER_SERVER_STORAGE_REDIS_REDIS_BREAKER_H_

#include <atomic>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "server/storage/redis/redis_client.h"

namespace miniter::storage::redis {

// Thread-safe.
class RedisBreaker {
 public:
  // Probes once before returning (at most the client's connect and I/O
  // timeouts), so that a Redis that is up is used from the first call;
  // then probes every `probe_period` while open. `what` names the user in
  // log lines ("rate limits"). `client` must outlive the breaker.
  RedisBreaker(RedisClient& client, absl::Duration probe_period,
               std::string what);
  ~RedisBreaker();
  RedisBreaker(const RedisBreaker&) = delete;
  RedisBreaker& operator=(const RedisBreaker&) = delete;

  // Cheap; no round trip.
  bool Usable() const { return usable_.load(std::memory_order_acquire); }
  // A call failed with `why`: open until the next successful probe.
  void Trip(const absl::Status& why);

 private:
  // Closes the breaker when Redis answers a PING; false when it does not.
  bool ProbeOnce(bool& logged_down);
  void Probe(bool logged_down);

  RedisClient& client_;
  const absl::Duration probe_period_;
  const std::string what_;
  std::atomic<bool> usable_{false};
  absl::Notification stop_;
  std::thread prober_;
};

}  // namespace miniter::storage::redis

#endif  // MINITER_SERVER_STORAGE_REDIS_REDIS_BREAKER_H_
