// redis_timeline_events_test.cc: the change channel's wire form round-trips
// every kind of event, and anything else (another format, a truncated or
// garbled message) is ignored rather than misread.
#include "server/storage/redis/redis_timeline_events.h"

#include <string>

#include "gtest/gtest.h"

namespace miniter::storage::redis {
namespace {

TEST(RedisTimelineEventsTest, WireFormRoundTrips) {
  for (TimelineEvent::Kind kind :
       {TimelineEvent::Kind::kTweet, TimelineEvent::Kind::kFollow,
        TimelineEvent::Kind::kUnfollow}) {
    TimelineEvent event;
    event.kind = kind;
    event.user = 18446744073709551615ull;
    event.followee = 7;
    event.tweet = 123456789;
    event.at = absl::FromUnixMicros(1795694401123456);
    const std::string message = FormatTimelineEvent(42, event);
    auto parsed = ParseTimelineEvent(message);
    ASSERT_TRUE(parsed.has_value()) << message;
    EXPECT_EQ(parsed->first, 42u);
    EXPECT_EQ(parsed->second.kind, kind);
    EXPECT_EQ(parsed->second.user, event.user);
    EXPECT_EQ(parsed->second.followee, 7u);
    EXPECT_EQ(parsed->second.tweet, 123456789u);
    EXPECT_EQ(parsed->second.at, event.at);
  }
}

TEST(RedisTimelineEventsTest, IgnoresWhatItDoesNotKnow) {
  for (const char* message :
       {"", "w1", "w1 1 1 2 0 3", "w1 1 1 2 0 3 4 5", "w2 1 1 2 0 3 4",
        "w1 1 9 2 0 3 4", "w1 1 0 2 0 3 4", "w1 x 1 2 0 3 4", "w1 1 1 -2 0 3 4",
        "hello world"}) {
    EXPECT_FALSE(ParseTimelineEvent(message).has_value()) << message;
  }
}

}  // namespace
}  // namespace miniter::storage::redis
