// miniter_client_test.cc: MiniterClient against an in-process fake server —
// the bearer metadata, error propagation, the deadline and WatchTimeline's
// events and resume cursor.
#include "miniter/client/miniter_client.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/client/fake_miniter_service.h"

namespace miniter::client {
namespace {

using ::miniter::client::testing::FakeMiniterServer;

// Connect() only fails for bad options, which these tests do not pass.
MiniterClient MustConnect(const std::string& address,
                          ClientOptions options = {}) {
  absl::StatusOr<MiniterClient> client =
      MiniterClient::Connect(address, std::move(options));
  EXPECT_TRUE(client.ok()) << client.status();
  return *std::move(client);
}

TEST(MiniterClientTest, SendsBearerTokenWhenSet) {
  FakeMiniterServer server;
  ASSERT_TRUE(server.started());
  ClientOptions options;
  options.access_token = "abc.def";
  MiniterClient client = MustConnect(server.address(), options);

  absl::StatusOr<miniter::v1::TweetResponse> tweet = client.Tweet({});
  ASSERT_TRUE(tweet.ok()) << tweet.status();
  EXPECT_EQ(tweet->tweet().id(), 12u);
  EXPECT_EQ(server.service().last_authorization(), "Bearer abc.def");
}

TEST(MiniterClientTest, WatchTimelineHandsOverEventsAndTheResumeCursor) {
  FakeMiniterServer server;
  ASSERT_TRUE(server.started());
  ClientOptions options;
  options.access_token = "abc.def";
  MiniterClient client = MustConnect(server.address(), options);

  miniter::v1::WatchTimelineRequest request;
  request.set_resume_cursor("before");
  std::vector<std::string> cursors;
  std::string resume;
  absl::Status ended = client.WatchTimeline(
      request,
      [&](const miniter::v1::WatchTimelineResponse& event) {
        cursors.push_back(event.cursor());
        return true;
      },
      &resume);
  EXPECT_TRUE(absl::IsUnavailable(ended)) << ended;
  EXPECT_EQ(cursors, (std::vector<std::string>{"c1", "c2", "c3"}));
  // The trailer wins over the last event's cursor.
  EXPECT_EQ(resume, "resume-here");
  EXPECT_EQ(server.service().last_resume_cursor(), "before");
  EXPECT_EQ(server.service().last_authorization(), "Bearer abc.def");

  // Stopping early is OK, and the cursor is that of the last event taken.
  cursors.clear();
  ended = client.WatchTimeline(
      request,
      [&](const miniter::v1::WatchTimelineResponse& event) {
        cursors.push_back(event.cursor());
        return cursors.size() < 2;
      },
      &resume);
  EXPECT_TRUE(ended.ok()) << ended;
  EXPECT_EQ(resume, "c2");
}

TEST(MiniterClientTest, SendsNoAuthorizationWithoutToken) {
  FakeMiniterServer server;
  ASSERT_TRUE(server.started());
  MiniterClient client = MustConnect(server.address());
  miniter::v1::LoginRequest request;
  request.set_email("ann@example.com");
  absl::StatusOr<miniter::v1::LoginResponse> login = client.Login(request);
  ASSERT_TRUE(login.ok()) << login.status();
  EXPECT_EQ(login->access_token(), "tok-for-ann@example.com");
  EXPECT_EQ(server.service().last_authorization(), "");

  // A token set later is used by later calls.
  client.set_access_token(login->access_token());
  ASSERT_TRUE(client.Timeline({}).ok());
  EXPECT_EQ(server.service().last_authorization(),
            "Bearer tok-for-ann@example.com");
}

TEST(MiniterClientTest, PropagatesServerErrorsWithTheirMessage) {
  FakeMiniterServer server;
  ASSERT_TRUE(server.started());
  server.service().set_error(
      grpc::Status(grpc::StatusCode::ALREADY_EXISTS, "e-mail already taken"));
  MiniterClient client = MustConnect(server.address());
  absl::StatusOr<miniter::v1::SignUpResponse> response = client.SignUp({});
  EXPECT_EQ(response.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(response.status().message(), "e-mail already taken");
}

TEST(MiniterClientTest, UnreachableServerIsUnavailableOrDeadline) {
  // Port 1 on loopback: nothing listens there in a test sandbox.
  ClientOptions options;
  options.deadline = absl::Seconds(2);
  MiniterClient client = MustConnect("127.0.0.1:1", options);
  absl::Time start = absl::Now();
  absl::StatusCode code = client.Timeline({}).status().code();
  EXPECT_TRUE(code == absl::StatusCode::kUnavailable ||
              code == absl::StatusCode::kDeadlineExceeded)
      << absl::StatusCodeToString(code);
  EXPECT_LT(absl::Now() - start, absl::Seconds(10));
}

}  // namespace
}  // namespace miniter::client
