// watch_redis_outage_test.cc: WatchTimeline streams survive the Redis
// pub/sub bus being killed and coming back (ctest labels "integration" and
// "reliability", fixture miniter_db; a redis-server of its own, so that
// killing it disturbs no other suite). Two in-process servers A and B share
// MariaDB and that Redis; a stream on A follows tweets posted through B:
// carried by pub/sub at first; while Redis is dead, by the stream's periodic
// re-read, with every Tweet call still succeeding and the stream still
// open; by pub/sub again once a restarted, empty Redis is back; and by one
// or the other after a second outage in which nothing was posted. Across
// the whole run the stream carries each posted tweet exactly once, in
// order.
#include <cstdint>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/storage/redis/redis_client.h"
#include "server/storage/redis/redis_timeline_events.h"
#include "tests/integration/test_environment.h"
#include "tests/integration/timeline_watcher.h"
#include "tests/integration/two_servers_fixture.h"
#include "tests/storage/test_redis.h"

namespace miniter::testing {
namespace {

using ::testing::ElementsAreArray;

// Short, so that the re-read covering the outage comes soon, yet long
// enough that a delivery well inside it can only have come by pub/sub.
constexpr absl::Duration kHeartbeat = absl::Seconds(2);
// How much later than a heartbeat's server_time the stream's heartbeat
// clock may have started: the ticker stamps the stream, then a worker reads
// and stamps the event. Milliseconds normally; generous for a loaded,
// sanitized run.
constexpr absl::Duration kTickerSlack = absl::Milliseconds(300);
// Bound of every wait for something that must happen (ASan on a loaded
// 2-core machine is slow); a pass never waits this long.
constexpr absl::Duration kPatience = absl::Seconds(10);

class WatchRedisOutageTest : public TwoServersFixture {
 protected:
  void SetUp() override {
    ASSERT_FALSE(redis_.url().empty()) << "redis-server did not start";
    app::ServerOptions options = TestServerOptions(TestDatabaseUrl());
    options.redis_url = redis_.url();
    options.watch.heartbeat = kHeartbeat;
    StartServers(options);
  }

  // Subscribers on the change channel now, as Redis counts them; -1 when
  // Redis does not answer.
  int ChannelSubscribers() {
    auto options = storage::redis::RedisClientOptions::FromUrl(
        redis_.url(), absl::Milliseconds(250), absl::Seconds(1));
    if (!options.ok()) return -1;
    storage::redis::RedisClient client(*options);
    auto reply =
        client.Command({"PUBSUB", "NUMSUB",
                        storage::redis::RedisTimelineEventsOptions().channel});
    if (!reply.ok() || reply->elements.size() != 2) return -1;
    return static_cast<int>(reply->elements[1].integer);
  }

  // Waits until both servers are subscribed to the change channel.
  bool WaitForBothSubscribed() {
    const absl::Time give_up = absl::Now() + kPatience;
    while (absl::Now() < give_up) {
      if (ChannelSubscribers() == 2) return true;
      absl::SleepFor(absl::Milliseconds(20));
    }
    return false;
  }

  // When a tweet was posted and when the stream carried it.
  struct Delivery {
    absl::Time posted;  // the Tweet call began
    absl::Time arrived;
  };

  // Posts `text` through B, appends its id to `posted`, and waits up to
  // `within` for the stream to carry it (printing how long it took). Fails
  // the test when the Tweet call fails or the tweet does not come next.
  void PostAndWait(TimelineWatcher& watcher, const TestUser& writer,
                   const std::string& text, absl::Duration within,
                   std::vector<std::uint64_t>& posted, Delivery* delivery) {
    delivery->posted = absl::Now();
    const std::uint64_t id = PostTweet(*stub_b_, writer, text);
    ASSERT_NE(id, 0u) << "the Tweet call failed: " << text;
    posted.push_back(id);
    const std::vector<TimelineWatcher::Received> got =
        watcher.WaitForTweets(posted.size(), within);
    ASSERT_EQ(got.size(), posted.size())
        << "tweet " << id << " did not reach the stream: " << text;
    ASSERT_EQ(got.back().response.tweet().id(), id);
    delivery->arrived = got.back().at;
    std::cout << text << ": delivered "
              << absl::FormatDuration(delivery->arrived - delivery->posted)
              << " after the Tweet call began" << std::endl;
  }

  // Posts `text` through B right after a heartbeat reached `watcher`, and
  // checks that the tweet arrived by pub/sub: within 1 s of the Tweet call
  // (the promise) and, what proves the path, before the stream's
  // next periodic re-read could have carried it. That re-read starts no
  // earlier than one heartbeat period after the heartbeat's server_time
  // (less kTickerSlack; server and test share the clock: the servers are
  // in process), and we post right after that heartbeat arrived.
  void PostAndExpectPubSub(TimelineWatcher& watcher, const TestUser& writer,
                           const std::string& text,
                           std::vector<std::uint64_t>& posted) {
    const std::size_t heartbeats = watcher.WaitForHeartbeats(0).size();
    const std::vector<TimelineWatcher::Received> beat =
        watcher.WaitForHeartbeats(heartbeats + 1, kHeartbeat + kPatience);
    ASSERT_EQ(beat.size(), heartbeats + 1) << "no heartbeat";
    const absl::Time next_reread =
        absl::FromUnixSeconds(
            beat.back().response.heartbeat().server_time().seconds()) +
        absl::Nanoseconds(
            beat.back().response.heartbeat().server_time().nanos()) +
        kHeartbeat - kTickerSlack;
    Delivery delivery;
    ASSERT_NO_FATAL_FAILURE(
        PostAndWait(watcher, writer, text, kPatience, posted, &delivery));
    std::cout << "  " << absl::FormatDuration(next_reread - delivery.arrived)
              << " before the next re-read could have" << std::endl;
    EXPECT_LT(delivery.arrived, next_reread)
        << "not carried by pub/sub: it came as late as a re-read would";
    EXPECT_LT(delivery.arrived - delivery.posted, absl::Seconds(1));
  }

  storage::PrivateRedis redis_;
};

TEST_F(WatchRedisOutageTest, StreamCarriesEveryTweetThroughKillAndRestart) {
  const TestUser reader = SignUpAndLogin(*stub_a_, "Reader");
  const TestUser writer = SignUpAndLogin(*stub_b_, "Writer");
  FollowUser(*stub_b_, reader, writer);
  ASSERT_TRUE(WaitForBothSubscribed());
  TimelineWatcher watcher(*stub_a_, reader.token);
  ASSERT_FALSE(watcher.WaitFor(1, [](const auto&) { return true; }).empty())
      << "the stream did not open";
  std::vector<std::uint64_t> posted;

  // Baseline: pub/sub carries it.
  PostAndExpectPubSub(watcher, writer, "before the outage", posted);

  // Redis dies: Tweet calls still succeed (MariaDB is the truth; the tier,
  // the shared limits and the bus are best effort) and the stream's
  // periodic re-read finds each tweet, at most about one period late.
  redis_.Kill();
  constexpr int kDuringOutage = 3;
  for (int i = 0; i < kDuringOutage; ++i) {
    Delivery delivery;
    ASSERT_NO_FATAL_FAILURE(
        PostAndWait(watcher, writer, absl::StrCat("during the outage ", i),
                    kHeartbeat + kPatience, posted, &delivery));
  }
  ASSERT_FALSE(watcher.Status(absl::ZeroDuration()).has_value())
      << "the stream ended during the outage: "
      << watcher.Status()->error_message();

  // Redis comes back empty on the same socket; once both servers have
  // subscribed again, pub/sub carries tweets again.
  ASSERT_TRUE(redis_.Restart()) << "redis-server did not restart";
  ASSERT_TRUE(WaitForBothSubscribed()) << "the bus did not reconnect";
  PostAndExpectPubSub(watcher, writer, "after the restart 1", posted);
  PostAndExpectPubSub(watcher, writer, "after the restart 2", posted);

  // A short outage in which nobody posted. The tweet still reaches the
  // stream, but how soon is not asserted: B's memory tier holds pooled
  // connections from before the kill, so the Tweet's fan-out to Redis may
  // fail and wait in the outbox for B's tier repair, while A's tier, in use
  // again, serves the reader's timeline without it. A's woken read then
  // finds nothing and reads again after 100 ms, 200 ms, ... (TimelineWatch
  // rechecks an announced tweet it has not found), so it comes soon after
  // the repair, or at the next heartbeat re-read at the latest. The bus
  // itself carries the first message after such a restart
  // (redis_timeline_events_test).
  redis_.Kill();
  ASSERT_TRUE(redis_.Restart()) << "redis-server did not restart";
  ASSERT_TRUE(WaitForBothSubscribed()) << "the bus did not reconnect";
  Delivery delivery;
  ASSERT_NO_FATAL_FAILURE(
      PostAndWait(watcher, writer, "after a restart nobody posted in",
                  kHeartbeat + kPatience, posted, &delivery));

  // Two more heartbeats, then: nothing repeated, nothing missing, in order,
  // and the stream is still open.
  const std::size_t heartbeats = watcher.WaitForHeartbeats(0).size();
  ASSERT_EQ(
      watcher.WaitForHeartbeats(heartbeats + 2, 2 * kHeartbeat + kPatience)
          .size(),
      heartbeats + 2);
  EXPECT_THAT(watcher.TweetIds(), ElementsAreArray(posted));
  EXPECT_FALSE(watcher.Status(absl::ZeroDuration()).has_value());
}

}  // namespace
}  // namespace miniter::testing
