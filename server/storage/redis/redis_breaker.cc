// redis_breaker.cc: the probing thread of RedisBreaker (see
// redis_breaker.h).
#include "server/storage/redis/redis_breaker.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "server/common/log.h"

namespace miniter::storage::redis {

RedisBreaker::RedisBreaker(RedisClient& client, absl::Duration probe_period,
                           std::string what)
    : client_(client), probe_period_(probe_period), what_(std::move(what)) {
  bool logged_down = false;
  ProbeOnce(logged_down);
  prober_ = std::thread([this, logged_down] { Probe(logged_down); });
}

RedisBreaker::~RedisBreaker() {
  stop_.Notify();
  prober_.join();
}

void RedisBreaker::Trip(const absl::Status& why) {
  if (usable_.exchange(false, std::memory_order_acq_rel)) {
    common::LogLine(absl::StrCat(what_, ": ", why.message(),
                                 "; per-process until Redis answers again"));
  }
}

bool RedisBreaker::ProbeOnce(bool& logged_down) {
  absl::StatusOr<RedisReply> pong = client_.Command({"PING"});
  if (!pong.ok()) {
    if (!logged_down) {
      common::LogLine(absl::StrCat(what_, ": ", pong.status().message(),
                                   "; per-process until Redis answers"));
      logged_down = true;
    }
    return false;
  }
  usable_.store(true, std::memory_order_release);
  common::LogLine(absl::StrCat(what_, ": shared through Redis"));
  logged_down = false;
  return true;
}

void RedisBreaker::Probe(bool logged_down) {
  while (!stop_.WaitForNotificationWithTimeout(probe_period_)) {
    if (!Usable()) ProbeOnce(logged_down);
  }
}

}  // namespace miniter::storage::redis
