// timeline_events.h: the storage interface of the channel that tells every
// server of a deployment that a timeline changed (a tweet was posted, a
// follow edge added or removed), so that WatchTimeline streams held on any
// server learn of it at once. server/storage/redis/ implements it on Redis
// pub/sub; server/watch/ has the in-process one used without Redis.
//
// Best effort by design: a message may be lost (Redis down, a reconnect),
// so listeners re-read their timelines now and then anyway
// (docs/timeline-design.md, "Watching a timeline").
#ifndef MINITER_SERVER_STORAGE_TIMELINE_EVENTS_H_
#define MINITER_SERVER_STORAGE_TIMELINE_EVENTS_H_

#include <functional>

#include "absl/time/time.h"
#include "server/storage/records.h"

namespace miniter::storage {

struct TimelineEvent {
  enum class Kind { kTweet = 1, kFollow = 2, kUnfollow = 3 };
  Kind kind = Kind::kTweet;
  // kTweet: the author; kFollow and kUnfollow: the follower.
  UserId user = 0;
  // kFollow and kUnfollow: the account followed or unfollowed.
  UserId followee = 0;
  // kTweet: the tweet.
  TweetId tweet = 0;
  // When the writer committed, by the writer's clock.
  absl::Time at;
};

struct TimelineEventListener {
  // Each event, on the bus's own thread; must not block long.
  std::function<void(const TimelineEvent&)> on_event;
  // Events may have been lost meanwhile (the bus reconnected): listeners
  // re-read what they watch.
  std::function<void()> on_maybe_lost;
};

// Thread-safe.
class TimelineEventBus {
 public:
  virtual ~TimelineEventBus() = default;

  // Tells every server (this one included) about `event`. Best effort:
  // never fails the caller's write, and waits at most a short timeout.
  virtual void Publish(const TimelineEvent& event) = 0;

  // Delivers every event published from now on, on any server, to
  // `listener`, until the bus is destroyed. Called at most once.
  virtual void Subscribe(TimelineEventListener listener) = 0;
};

}  // namespace miniter::storage

#endif  // MINITER_SERVER_STORAGE_TIMELINE_EVENTS_H_
