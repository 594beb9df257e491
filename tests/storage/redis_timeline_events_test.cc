// redis_timeline_events_test.cc: the WatchTimeline change channel on the
// test Redis (fixture miniter_redis): an event published by one server
// reaches every other server's listener and not its own, on a channel of
// this run so that parallel tests do not cross; and, on a redis-server of
// its own that it kills and restarts, that the channel works again after a
// restart: the listeners hear that events may have been lost, and the first
// event published afterwards gets through.
#include "server/storage/redis/redis_timeline_events.h"

#include <memory>
#include <vector>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "tests/storage/test_redis.h"

namespace miniter::storage::redis {
namespace {

// Collects what a bus delivers.
struct Received {
  absl::Mutex mu;
  std::vector<TimelineEvent> events ABSL_GUARDED_BY(mu);
  int maybe_lost ABSL_GUARDED_BY(mu) = 0;

  TimelineEventListener Listener() {
    TimelineEventListener listener;
    listener.on_event = [this](const TimelineEvent& event) {
      absl::MutexLock lock(&mu);
      events.push_back(event);
    };
    listener.on_maybe_lost = [this] {
      absl::MutexLock lock(&mu);
      ++maybe_lost;
    };
    return listener;
  }
  std::size_t Count() {
    absl::MutexLock lock(&mu);
    return events.size();
  }
  int MaybeLost() {
    absl::MutexLock lock(&mu);
    return maybe_lost;
  }
};

// Polls `done` every 10 ms until it holds or `timeout` passes.
template <typename Done>
bool Eventually(Done done, absl::Duration timeout = absl::Seconds(10)) {
  const absl::Time give_up = absl::Now() + timeout;
  while (!done()) {
    if (absl::Now() >= give_up) return false;
    absl::SleepFor(absl::Milliseconds(10));
  }
  return true;
}

TimelineEvent TweetEvent(TweetId tweet) {
  TimelineEvent event;
  event.kind = TimelineEvent::Kind::kTweet;
  event.user = 7;
  event.tweet = tweet;
  event.at = absl::FromUnixMicros(1795694401000000);
  return event;
}

// Two servers' buses on `options`, each subscribed with a listener of its
// own.
struct TwoBuses {
  // Before the buses: destroyed after them, whose threads call into these.
  Received heard_by_a;
  Received heard_by_b;
  std::unique_ptr<RedisTimelineEvents> a;
  std::unique_ptr<RedisTimelineEvents> b;

  // Fails the test unless both are subscribed within 10 s.
  void Start(const RedisTimelineEventsOptions& options) {
    auto created_a = RedisTimelineEvents::Create(options);
    auto created_b = RedisTimelineEvents::Create(options);
    ASSERT_TRUE(created_a.ok() && created_b.ok());
    a = *std::move(created_a);
    b = *std::move(created_b);
    a->Subscribe(heard_by_a.Listener());
    b->Subscribe(heard_by_b.Listener());
    ASSERT_TRUE(Eventually([&] { return a->Subscribed() && b->Subscribed(); }));
  }
};

TEST(RedisTimelineChannelTest, OtherServersHearAnEventAndTheSenderDoesNot) {
  const std::string url = RedisUrlFromEnvironment();
  ASSERT_FALSE(url.empty()) << "no test Redis (fixture miniter_redis)";
  RedisTimelineEventsOptions options;
  options.url = url;
  options.channel = absl::StrCat("miniter:test:watch:",
                                 absl::Uniform<std::uint64_t>(absl::BitGen()));
  TwoBuses buses;
  ASSERT_NO_FATAL_FAILURE(buses.Start(options));
  buses.a->Publish(TweetEvent(99));
  ASSERT_TRUE(Eventually([&] { return buses.heard_by_b.Count() == 1; }));
  {
    absl::MutexLock lock(&buses.heard_by_b.mu);
    EXPECT_EQ(buses.heard_by_b.events[0].user, 7u);
    EXPECT_EQ(buses.heard_by_b.events[0].tweet, 99u);
  }
  // A delivered it in process already; its own echo is dropped.
  absl::SleepFor(absl::Milliseconds(200));
  EXPECT_EQ(buses.heard_by_a.Count(), 0u);
}

// A Redis that dies and comes back (kill -9, then an empty one on the same
// socket): both subscribers subscribe again and tell their listeners that
// events may have been lost; the first event published after the restart
// reaches the other server, though the publisher's pooled connection is
// from before the kill.
TEST(RedisTimelineChannelTest, WorksAgainAfterRedisIsKilledAndRestarted) {
  PrivateRedis redis;
  ASSERT_FALSE(redis.url().empty()) << "redis-server did not start";
  RedisTimelineEventsOptions options;
  options.url = redis.url();
  TwoBuses buses;
  ASSERT_NO_FATAL_FAILURE(buses.Start(options));
  buses.a->Publish(TweetEvent(1));
  ASSERT_TRUE(Eventually([&] { return buses.heard_by_b.Count() == 1; }));

  redis.Kill();
  ASSERT_TRUE(Eventually(
      [&] { return !buses.a->Subscribed() && !buses.b->Subscribed(); }));
  ASSERT_TRUE(redis.Restart());
  ASSERT_TRUE(Eventually([&] {
    return buses.a->Subscribed() && buses.b->Subscribed() &&
           buses.heard_by_a.MaybeLost() == 1 &&
           buses.heard_by_b.MaybeLost() == 1;
  }));
  buses.a->Publish(TweetEvent(2));
  ASSERT_TRUE(Eventually([&] { return buses.heard_by_b.Count() == 2; }))
      << "the first event after the restart was lost";
  absl::MutexLock lock(&buses.heard_by_b.mu);
  EXPECT_EQ(buses.heard_by_b.events[1].tweet, 2u);
}

}  // namespace
}  // namespace miniter::storage::redis
