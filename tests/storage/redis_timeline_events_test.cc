// redis_timeline_events_test.cc: the WatchTimeline change channel on the
// test Redis (fixture miniter_redis): an event published by one server
// reaches every other server's listener and not its own, on a channel of
// this run so that parallel tests do not cross.
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

  TimelineEventListener Listener() {
    TimelineEventListener listener;
    listener.on_event = [this](const TimelineEvent& event) {
      absl::MutexLock lock(&mu);
      events.push_back(event);
    };
    return listener;
  }
  std::size_t Count() {
    absl::MutexLock lock(&mu);
    return events.size();
  }
};

TEST(RedisTimelineChannelTest, OtherServersHearAnEventAndTheSenderDoesNot) {
  const std::string url = RedisUrlFromEnvironment();
  ASSERT_FALSE(url.empty()) << "no test Redis (fixture miniter_redis)";
  RedisTimelineEventsOptions options;
  options.url = url;
  options.channel = absl::StrCat("miniter:test:watch:",
                                 absl::Uniform<std::uint64_t>(absl::BitGen()));
  auto a = RedisTimelineEvents::Create(options);
  auto b = RedisTimelineEvents::Create(options);
  ASSERT_TRUE(a.ok() && b.ok());
  Received heard_by_a;
  Received heard_by_b;
  (*a)->Subscribe(heard_by_a.Listener());
  (*b)->Subscribe(heard_by_b.Listener());
  const absl::Time give_up = absl::Now() + absl::Seconds(5);
  while (!((*a)->Subscribed() && (*b)->Subscribed()) && absl::Now() < give_up) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  ASSERT_TRUE((*a)->Subscribed() && (*b)->Subscribed());

  TimelineEvent event;
  event.kind = TimelineEvent::Kind::kTweet;
  event.user = 7;
  event.tweet = 99;
  event.at = absl::FromUnixMicros(1795694401000000);
  (*a)->Publish(event);
  while (heard_by_b.Count() == 0 && absl::Now() < give_up) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  ASSERT_EQ(heard_by_b.Count(), 1u);
  {
    absl::MutexLock lock(&heard_by_b.mu);
    EXPECT_EQ(heard_by_b.events[0].user, 7u);
    EXPECT_EQ(heard_by_b.events[0].tweet, 99u);
  }
  // A delivered it in process already; its own echo is dropped.
  absl::SleepFor(absl::Milliseconds(200));
  EXPECT_EQ(heard_by_a.Count(), 0u);
}

}  // namespace
}  // namespace miniter::storage::redis
