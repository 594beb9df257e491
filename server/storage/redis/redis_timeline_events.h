// redis_timeline_events.h: the timeline change channel (TimelineEventBus)
// on Redis pub/sub, so that a tweet posted through one server reaches the
// WatchTimeline streams held by every other.
//
// Publishing goes through a bounded queue and a thread of its own, so a
// slow or absent Redis never slows a Tweet call (a full queue drops the
// newest message: the streams' periodic re-read covers it); a PUBLISH that
// fails in transport is tried once more, on a new connection. Receiving uses
// ONE subscriber connection on a thread of its own (a hiredis context is
// not thread-safe and a subscribed one can do nothing else); it reconnects
// with backoff and then tells the listener that messages may have been
// lost. A server ignores its own messages: it delivered them in process
// already.
#ifndef MINITER_SERVER_STORAGE_REDIS_REDIS_TIMELINE_EVENTS_H_
#define MINITER_SERVER_STORAGE_REDIS_REDIS_TIMELINE_EVENTS_H_

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/storage/redis/redis_client.h"
#include "server/storage/timeline_events.h"

namespace miniter::storage::redis {

struct RedisTimelineEventsOptions {
  std::string url;  // ParseRedisUrl's forms
  absl::Duration io_timeout = absl::Milliseconds(250);
  std::string channel = "miniter:watch:timelines";
  // Messages waiting to be published at most.
  int max_queued = 4096;
};

// The wire form of one event from server `origin`: text, so that
// `redis-cli SUBSCRIBE` shows something readable. Parse returns nullopt for
// anything else (a message from a newer version is ignored).
std::string FormatTimelineEvent(std::uint64_t origin,
                                const TimelineEvent& event);
std::optional<std::pair<std::uint64_t, TimelineEvent>> ParseTimelineEvent(
    absl::string_view message);

class RedisTimelineEvents final : public TimelineEventBus {
 public:
  // INVALID_ARGUMENT for a malformed URL. Starts the publisher thread; the
  // subscriber starts with Subscribe.
  static absl::StatusOr<std::unique_ptr<RedisTimelineEvents>> Create(
      RedisTimelineEventsOptions options);
  ~RedisTimelineEvents() override;

  void Publish(const TimelineEvent& event) override;
  void Subscribe(TimelineEventListener listener) override;

  // Whether the subscriber is connected and subscribed now (tests, logs).
  bool Subscribed() const;

 private:
  RedisTimelineEvents(RedisTimelineEventsOptions options,
                      RedisClientOptions client);
  void PublishLoop();
  void SubscribeLoop(const TimelineEventListener& listener);
  bool Stopping() const;

  const RedisTimelineEventsOptions options_;
  const RedisClientOptions client_options_;
  const std::uint64_t origin_;
  RedisClient publisher_;

  mutable absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool subscribed_ ABSL_GUARDED_BY(mu_) = false;
  std::deque<std::string> queued_ ABSL_GUARDED_BY(mu_);
  std::thread publish_thread_;
  std::thread subscribe_thread_;
};

}  // namespace miniter::storage::redis

#endif  // MINITER_SERVER_STORAGE_REDIS_REDIS_TIMELINE_EVENTS_H_
