// watch_timeline_test.cc: WatchTimeline end to end on two real servers that
// share one MariaDB and one Redis (ctest label "integration", fixtures
// miniter_db and miniter_redis): a tweet posted through server B reaches a
// stream on server A within a second (the measured delays are printed);
// a stream carries the caller's and followed accounts' tweets only; a
// reconnect with the last cursor sends exactly what was posted meanwhile;
// a slow reader is ended with RESOURCE_EXHAUSTED and a resume-cursor that
// loses nothing; the per-account limit; heartbeats; bad cursors; and a
// real server process ends its streams with UNAVAILABLE at SIGTERM and
// exits promptly.
#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <deque>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/server_process.h"
#include "tests/integration/test_environment.h"
#include "tests/integration/timeline_watcher.h"
#include "tests/integration/two_servers_fixture.h"
#include "tests/storage/test_redis.h"

namespace miniter::testing {
namespace {

using ::testing::ElementsAreArray;
using v1::WatchTimelineResponse;

constexpr absl::Duration kHeartbeat = absl::Milliseconds(400);

class WatchTimelineServersTest : public TwoServersFixture {
 protected:
  void SetUp() override {
    const std::string redis_url = storage::RedisUrlFromEnvironment();
    ASSERT_FALSE(redis_url.empty()) << "no test Redis (fixture miniter_redis)";
    app::ServerOptions options = TestServerOptions(TestDatabaseUrl());
    options.redis_url = redis_url;
    options.watch.heartbeat = kHeartbeat;
    options.watch.max_streams_per_account = 2;
    options.watch.buffer_events = 8;
    StartServers(options);
  }

  // Waits for the stream's first event (a heartbeat): it is then open and
  // positioned.
  static void WaitOpen(TimelineWatcher& watcher) {
    ASSERT_GE(watcher.WaitFor(1, [](const auto&) { return true; }).size(), 1u);
  }
};

TEST_F(WatchTimelineServersTest, TweetThroughServerBReachesStreamOnAWithin1s) {
  const TestUser reader = SignUpAndLogin(*stub_a_, "Reader");
  const TestUser writer = SignUpAndLogin(*stub_b_, "Writer");
  FollowUser(*stub_b_, reader, writer);
  TimelineWatcher watcher(*stub_a_, reader.token);
  WaitOpen(watcher);
  constexpr int kTweets = 20;
  std::vector<absl::Duration> delays;
  for (int i = 0; i < kTweets; ++i) {
    const absl::Time posted = absl::Now();
    const std::uint64_t id =
        PostTweet(*stub_b_, writer, absl::StrCat("live ", i));
    const std::vector<TimelineWatcher::Received> got =
        watcher.WaitForTweets(i + 1, absl::Seconds(2));
    ASSERT_EQ(got.size(), static_cast<std::size_t>(i + 1));
    EXPECT_EQ(got.back().response.tweet().id(), id);
    delays.push_back(got.back().at - posted);
    absl::SleepFor(absl::Milliseconds(20));
  }
  std::sort(delays.begin(), delays.end());
  std::cout << "WatchTimeline delivery delay across servers (Tweet call on B "
               "to event on A), "
            << kTweets << " tweets: median "
            << absl::FormatDuration(delays[delays.size() / 2]) << ", max "
            << absl::FormatDuration(delays.back()) << std::endl;
  EXPECT_LT(delays.back(), absl::Seconds(1));
}

TEST_F(WatchTimelineServersTest, CarriesOwnAndFollowedTweetsOnly) {
  const TestUser owner = SignUpAndLogin(*stub_a_, "Owner");
  const TestUser followed = SignUpAndLogin(*stub_a_, "Followed");
  const TestUser stranger = SignUpAndLogin(*stub_b_, "Stranger");
  FollowUser(*stub_a_, owner, followed);
  TimelineWatcher watcher(*stub_a_, owner.token);
  WaitOpen(watcher);
  PostTweet(*stub_b_, stranger, "not for the owner");
  const std::uint64_t own = PostTweet(*stub_b_, owner, "mine");
  const std::uint64_t theirs = PostTweet(*stub_b_, followed, "followed");
  ASSERT_EQ(watcher.WaitForTweets(2).size(), 2u);
  // Heartbeats re-read the timeline: after two, nothing else came.
  watcher.WaitForHeartbeats(3);
  std::vector<std::uint64_t> ids = watcher.TweetIds();
  std::sort(ids.begin(), ids.end());
  EXPECT_THAT(ids, ElementsAreArray({own, theirs}));
}

TEST_F(WatchTimelineServersTest, ReconnectWithLastCursorSendsExactlyTheMissed) {
  const TestUser owner = SignUpAndLogin(*stub_a_, "Owner");
  const TestUser followed = SignUpAndLogin(*stub_a_, "Followed");
  FollowUser(*stub_a_, owner, followed);
  std::string cursor;
  {
    TimelineWatcher watcher(*stub_a_, owner.token);
    WaitOpen(watcher);
    PostTweet(*stub_a_, followed, "seen 1");
    PostTweet(*stub_b_, followed, "seen 2");
    ASSERT_EQ(watcher.WaitForTweets(2).size(), 2u);
    cursor = watcher.LastCursor();
  }  // disconnects
  std::vector<std::uint64_t> missed;
  missed.reserve(6);
  for (int i = 0; i < 5; ++i) {
    missed.push_back(PostTweet(i % 2 ? *stub_a_ : *stub_b_,
                               i % 3 ? followed : owner,
                               absl::StrCat("missed ", i)));
  }
  TimelineWatcher resumed(*stub_b_, owner.token, cursor);
  ASSERT_EQ(resumed.WaitForTweets(5).size(), 5u);
  const std::uint64_t live = PostTweet(*stub_a_, followed, "live after resume");
  ASSERT_EQ(resumed.WaitForTweets(6).size(), 6u);
  resumed.WaitForHeartbeats(2);
  missed.push_back(live);
  EXPECT_THAT(resumed.TweetIds(), ElementsAreArray(missed));
}

TEST_F(WatchTimelineServersTest,
       SlowReaderEndsWithResumeCursorThatLosesNothing) {
  const TestUser owner = SignUpAndLogin(*stub_a_, "Owner");
  // A channel that keeps its receive window small, so the server's writes
  // stall once the reader stops reading.
  grpc::ChannelArguments arguments;
  arguments.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  arguments.SetInt(GRPC_ARG_HTTP2_BDP_PROBE, 0);
  arguments.SetInt(GRPC_ARG_HTTP2_STREAM_LOOKAHEAD_BYTES, 1024);
  auto slow_stub = v1::Miniter::NewStub(
      grpc::CreateCustomChannel(absl::StrCat("127.0.0.1:", a_->port()),
                                grpc::InsecureChannelCredentials(), arguments));
  auto context = std::make_unique<grpc::ClientContext>();
  context->AddMetadata("authorization", "Bearer " + owner.token);
  // Should the stream not end, the test fails with DEADLINE_EXCEEDED.
  context->set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(60)));
  v1::WatchTimelineRequest request;
  auto reader = slow_stub->WatchTimeline(context.get(), request);
  WatchTimelineResponse first;
  ASSERT_TRUE(reader->Read(&first));  // open; now stop reading
  // Long tweets fill the small flow-control window soon: about 150 fit in
  // it and the buffer together, so 300 overflow the buffer.
  const std::string text(270, 'x');
  std::vector<std::uint64_t> posted;
  posted.reserve(300);
  for (int i = 0; i < 300; ++i) {
    posted.push_back(PostTweet(*stub_b_, owner, absl::StrCat(i, text)));
  }
  std::vector<std::uint64_t> received;
  WatchTimelineResponse event;
  while (reader->Read(&event)) {
    if (event.has_tweet()) received.push_back(event.tweet().id());
  }
  grpc::Status status = reader->Finish();
  ASSERT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED)
      << status.error_message();
  const auto& trailers = context->GetServerTrailingMetadata();
  auto it = trailers.find("resume-cursor");
  ASSERT_NE(it, trailers.end());
  const std::string cursor(it->second.data(), it->second.size());
  ASSERT_LT(received.size(), posted.size());

  // Resuming sends the rest (fewer than the 800 a replay holds), once.
  TimelineWatcher resumed(*stub_a_, owner.token, cursor);
  const std::size_t rest = posted.size() - received.size();
  ASSERT_EQ(resumed.WaitForTweets(rest).size(), rest);
  resumed.WaitForHeartbeats(2);
  std::vector<std::uint64_t> all = received;
  for (std::uint64_t id : resumed.TweetIds()) all.push_back(id);
  EXPECT_THAT(all, ElementsAreArray(posted));
}

TEST_F(WatchTimelineServersTest, LimitsOpenStreamsPerAccount) {
  const TestUser owner = SignUpAndLogin(*stub_a_, "Owner");
  TimelineWatcher one(*stub_a_, owner.token);
  TimelineWatcher two(*stub_a_, owner.token);
  WaitOpen(one);
  WaitOpen(two);
  TimelineWatcher three(*stub_a_, owner.token);
  std::optional<grpc::Status> status = three.Status();
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(status->error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  // The limit is per server: the account may watch through B too.
  TimelineWatcher elsewhere(*stub_b_, owner.token);
  WaitOpen(elsewhere);
}

TEST_F(WatchTimelineServersTest, SendsHeartbeatsWhileIdle) {
  const TestUser owner = SignUpAndLogin(*stub_a_, "Owner");
  TimelineWatcher watcher(*stub_a_, owner.token);
  const absl::Time start = absl::Now();
  ASSERT_EQ(watcher.WaitForHeartbeats(4).size(), 4u);
  // The first comes at once, then one per heartbeat period.
  EXPECT_GE(absl::Now() - start, 2 * kHeartbeat);
  EXPECT_FALSE(watcher.LastCursor().empty());
}

TEST_F(WatchTimelineServersTest, RefusesCursorsNotIssuedToTheCaller) {
  const TestUser owner = SignUpAndLogin(*stub_a_, "Owner");
  const TestUser other = SignUpAndLogin(*stub_a_, "Other");
  std::string others_cursor;
  {
    TimelineWatcher watcher(*stub_a_, other.token);
    WaitOpen(watcher);
    others_cursor = watcher.LastCursor();
  }
  for (const std::string& cursor :
       {std::string("garbage"), others_cursor, others_cursor + "A"}) {
    TimelineWatcher watcher(*stub_a_, owner.token, cursor);
    std::optional<grpc::Status> status = watcher.Status();
    ASSERT_TRUE(status.has_value());
    EXPECT_EQ(status->error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << cursor;
  }
  TimelineWatcher unauthenticated(*stub_a_, "not a token");
  std::optional<grpc::Status> status = unauthenticated.Status();
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(status->error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

TEST(WatchTimelineProcessTest, SigtermEndsStreamsWithUnavailableAndExitsFast) {
  const int port = FreePort();
  ServerProcess server(port, ::testing::TempDir() + "/watch_sigterm.log");
  ASSERT_TRUE(server.WaitUntilServing());
  absl::Time sent;
  absl::Duration stream_ended;
  {
    auto stub = StubForPort(port);
    const TestUser owner = SignUpAndLogin(*stub, "Owner");
    TimelineWatcher watcher(*stub, owner.token);
    ASSERT_GE(watcher.WaitFor(1, [](const auto&) { return true; }).size(), 1u);
    sent = absl::Now();
    server.Send(SIGTERM);
    // The stream ends at once, not after the 5 s shutdown grace.
    std::optional<grpc::Status> status = watcher.Status(absl::Seconds(2));
    stream_ended = absl::Now() - sent;
    ASSERT_TRUE(status.has_value()) << "the stream outlived SIGTERM by 2 s";
    EXPECT_EQ(status->error_code(), grpc::StatusCode::UNAVAILABLE)
        << status->error_message();
    EXPECT_FALSE(watcher.ResumeCursorTrailer().empty());
  }  // the client goes, as one reconnecting elsewhere would
  const int wait_status = server.WaitForExit(absl::Seconds(10));
  const absl::Duration exited = absl::Now() - sent;
  ASSERT_NE(wait_status, -1);
  EXPECT_TRUE(WIFEXITED(wait_status)) << wait_status;
  std::cout << "after SIGTERM: stream ended in "
            << absl::FormatDuration(stream_ended) << ", process exited in "
            << absl::FormatDuration(exited) << std::endl;
  EXPECT_LT(stream_ended, absl::Seconds(1));
  // Well inside the 5 s grace: nothing of the stream holds the server.
  EXPECT_LT(exited, absl::Seconds(2));
}

}  // namespace
}  // namespace miniter::testing
