// redis_breaker.cc: the probing thread of RedisBreaker (see
// redis_breaker.h).
#include "server/storage/redis/redis_breaker.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "server/common/log.h"

namespace miniter::storage::redis {

RedisBreaker::RedisBreaker(RedisClient& client, RedisBreakerOptions options)
    : client_(client), options_(std::move(options)) {
  if (options_.probe_before_return) ProbeOnce();
  prober_ = std::thread(
      [this, probe_now = !options_.probe_before_return] { Probe(probe_now); });
}

RedisBreaker::~RedisBreaker() {
  stop_.Notify();
  prober_.join();
}

void RedisBreaker::SayOpen(const absl::Status& why) {
  if (said_open_.exchange(true)) return;
  common::LogLine(absl::StrCat(options_.what, ": ", why.message(), "; ",
                               options_.while_open));
}

void RedisBreaker::Trip(const absl::Status& why) {
  trips_.fetch_add(1);
  recovering_.store(false);
  if (usable_.exchange(false)) SayOpen(why);
}

void RedisBreaker::ProbeOnce() {
  absl::StatusOr<RedisReply> pong = client_.Command({"PING"});
  if (!pong.ok()) {
    SayOpen(pong.status());
    return;
  }
  // Half open from here: the owner may let some calls through
  // (Recovering), e.g. the memory tier's writers write through while its
  // repair runs, so that every write is either applied by its writer or
  // found by the repair.
  const std::uint64_t trips = trips_.load();
  recovering_.store(true);
  const absl::Status recovered =
      options_.on_recovery ? options_.on_recovery() : absl::OkStatus();
  // A call that failed meanwhile (Trip) may have left work the recovery
  // had already passed: recover again at the next probe.
  if (!recovered.ok() || trips_.load() != trips) {
    recovering_.store(false);
    return;
  }
  said_open_.store(false);
  usable_.store(true);
  recovering_.store(false);
  common::LogLine(absl::StrCat(options_.what, ": ", options_.when_closed));
}

void RedisBreaker::Probe(bool probe_now) {
  if (probe_now) ProbeOnce();
  while (!stop_.WaitForNotificationWithTimeout(options_.probe_period)) {
    if (!Usable()) ProbeOnce();
  }
}

}  // namespace miniter::storage::redis
