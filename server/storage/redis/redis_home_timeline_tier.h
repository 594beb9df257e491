// redis_home_timeline_tier.h: HomeTimelineTier on one Redis instance shared
// by every miniter server: one sorted set per owner, changed only by Lua
// scripts so that each change is atomic, and a breaker (RedisBreaker) that
// takes the tier out of use while Redis fails and, as its recovery step,
// repairs what was missed before it is used again (docs/timeline-design.md,
// "Memory tier").
#ifndef MINITER_SERVER_STORAGE_REDIS_REDIS_HOME_TIMELINE_TIER_H_
#define MINITER_SERVER_STORAGE_REDIS_REDIS_HOME_TIMELINE_TIER_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/storage/home_timeline_tier.h"
#include "server/storage/redis/redis_breaker.h"
#include "server/storage/redis/redis_client.h"

namespace miniter::storage::redis {

struct RedisTierOptions {
  // redis://HOST[:PORT] or unix:///PATH.
  std::string url;
  absl::Duration connect_timeout = absl::Milliseconds(250);
  absl::Duration io_timeout = absl::Milliseconds(250);
  // Ids kept per owner (the newest); older pages read the database.
  int retention = 800;
  // A rebuild not finished within this long is abandoned (its key expires
  // unless a build completes it).
  absl::Duration build_ttl = absl::Seconds(30);
  // How often the breaker probes a tier that failed.
  absl::Duration probe_period = absl::Milliseconds(200);
  // Key prefix, so that several deployments (or tests) can share a Redis.
  std::string key_prefix = "miniter:home:";
};

class RedisHomeTimelineTier : public HomeTimelineTier {
 public:
  // INVALID_ARGUMENT for a malformed URL. Does not connect: the tier is
  // unusable until the first probe (immediately, on a thread of its own)
  // reaches Redis and the repair hook, if any, has succeeded.
  static absl::StatusOr<std::unique_ptr<RedisHomeTimelineTier>> Create(
      RedisTierOptions options);
  ~RedisHomeTimelineTier() override;

  bool Usable() const override;
  bool Writable() const override;
  absl::StatusOr<std::optional<TierPage>> Read(UserId owner, TweetId before,
                                               int limit) override;
  absl::StatusOr<std::string> BeginBuild(UserId owner) override;
  absl::Status FinishBuild(UserId owner, const std::string& token,
                           const TierSnapshot& snapshot) override;
  absl::Status AddTweet(const std::vector<UserId>& owners,
                        TweetId tweet) override;
  absl::Status Invalidate(const std::vector<UserId>& owners) override;
  void SetRepairHook(std::function<absl::Status()> hook) override;

  // Marks the tier unusable until the next successful probe and repair,
  // as a failed call does (tests use it to start a repair).
  void MarkFailed();

  // Calls to Redis since start by operation (read, begin_build,
  // finish_build, add_tweet, invalidate) and how many of them failed, for
  // metrics; the prober's pings are not counted. Thread-safe.
  struct CallCount {
    std::string operation;
    std::uint64_t calls = 0;
    std::uint64_t errors = 0;
  };
  std::vector<CallCount> CallCounts() const;

 private:
  RedisHomeTimelineTier(RedisTierOptions options, RedisClientOptions client);
  std::string Key(UserId owner) const;
  // The operations CallCounts() reports, as indexes of calls_ and errors_.
  enum Operation {
    kRead,
    kBeginBuild,
    kFinishBuild,
    kAddTweet,
    kInvalidate,
    kOperations
  };
  // Counts one call of `operation` with its `status` (relaxed atomics).
  void Count(Operation operation, const absl::Status& status);
  // Passes `status` through; an UNAVAILABLE one trips the breaker.
  absl::Status Note(absl::Status status);
  // The breaker's recovery step: the repair hook, if any.
  absl::Status Repair();

  const RedisTierOptions options_;
  RedisClient client_;
  RedisScript read_script_;
  RedisScript begin_build_script_;
  RedisScript finish_build_script_;
  RedisScript add_script_;

  std::array<std::atomic<std::uint64_t>, kOperations> calls_{};
  std::array<std::atomic<std::uint64_t>, kOperations> errors_{};
  absl::Mutex hook_mu_;
  std::function<absl::Status()> repair_hook_ ABSL_GUARDED_BY(hook_mu_);
  // Last: its prober thread uses client_ and the repair hook. Closed once
  // Redis answers and the repair succeeded; Recovering while the repair
  // runs and no call failed since it began (Writable).
  RedisBreaker breaker_;
};

}  // namespace miniter::storage::redis

#endif  // MINITER_SERVER_STORAGE_REDIS_REDIS_HOME_TIMELINE_TIER_H_
