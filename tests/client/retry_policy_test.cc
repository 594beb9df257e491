// retry_policy_test.cc: the retry service config MiniterClient::Connect puts
// on its channel really makes gRPC retry UNAVAILABLE for the idempotent
// methods (Tweet among them, because every Tweet carries a request_id the
// server deduplicates), and never for SignUp. Runs against the in-process fake
// server, which fails its first N calls and counts every attempt it receives.
#include <functional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "miniter/client/miniter_client.h"
#include "tests/client/fake_miniter_service.h"

namespace miniter::client {
namespace {

using ::miniter::client::testing::FakeMiniterServer;

const grpc::Status kUnavailable(grpc::StatusCode::UNAVAILABLE,
                                "database unreachable");

// Short backoffs keep the tests fast; the policy is the same otherwise.
ClientOptions FastRetries() {
  ClientOptions options;
  options.retry.initial_backoff = absl::Milliseconds(10);
  options.retry.max_backoff = absl::Milliseconds(50);
  options.deadline = absl::Seconds(20);
  return options;
}

MiniterClient ConnectOrDie(const std::string& address, ClientOptions options) {
  absl::StatusOr<MiniterClient> client =
      MiniterClient::Connect(address, std::move(options));
  EXPECT_TRUE(client.ok()) << client.status();
  return *std::move(client);
}

struct MethodCase {
  const char* name;
  std::function<absl::Status(const MiniterClient&)> call;
};

std::vector<MethodCase> IdempotentMethods() {
  return {
      {"Timeline",
       [](const MiniterClient& c) { return c.Timeline({}).status(); }},
      {"Follow", [](const MiniterClient& c) { return c.Follow({}).status(); }},
      {"Unfollow",
       [](const MiniterClient& c) { return c.Unfollow({}).status(); }},
      {"Login", [](const MiniterClient& c) { return c.Login({}).status(); }},
      {"Tweet", [](const MiniterClient& c) { return c.Tweet({}).status(); }},
      {"ListFollowing",
       [](const MiniterClient& c) { return c.ListFollowing({}).status(); }},
      {"ListFollowers",
       [](const MiniterClient& c) { return c.ListFollowers({}).status(); }},
      {"UserTweets",
       [](const MiniterClient& c) { return c.UserTweets({}).status(); }},
  };
}

std::vector<MethodCase> NonIdempotentMethods() {
  return {
      {"SignUp", [](const MiniterClient& c) { return c.SignUp({}).status(); }},
  };
}

TEST(RetryPolicyTest, TimelineIsRetriedUntilItSucceeds) {
  FakeMiniterServer server;
  ASSERT_TRUE(server.started());
  MiniterClient client = ConnectOrDie(server.address(), FastRetries());
  server.service().FailNextCalls(2, kUnavailable);

  absl::StatusOr<miniter::v1::TimelineResponse> timeline = client.Timeline({});
  ASSERT_TRUE(timeline.ok()) << timeline.status();
  EXPECT_EQ(timeline->next_page_token(), "next-12");
  EXPECT_EQ(server.service().calls(), 3);
}

TEST(RetryPolicyTest, EveryIdempotentMethodIsRetried) {
  for (const MethodCase& method : IdempotentMethods()) {
    SCOPED_TRACE(method.name);
    FakeMiniterServer server;
    ASSERT_TRUE(server.started());
    MiniterClient client = ConnectOrDie(server.address(), FastRetries());
    server.service().FailNextCalls(1, kUnavailable);
    EXPECT_TRUE(method.call(client).ok());
    EXPECT_EQ(server.service().calls(), 2);
  }
}

TEST(RetryPolicyTest, ARetriedTweetSendsTheSameRequestIdEveryAttempt) {
  FakeMiniterServer server;
  ASSERT_TRUE(server.started());
  MiniterClient client = ConnectOrDie(server.address(), FastRetries());
  server.service().FailNextCalls(2, kUnavailable);
  miniter::v1::TweetRequest request;
  request.set_text("hello");
  ASSERT_TRUE(client.Tweet(request).ok());
  ASSERT_TRUE(client.Tweet(request).ok());  // a new call: a new id
  std::vector<std::string> ids = server.service().tweet_request_ids();
  ASSERT_EQ(ids.size(), 4u);
  EXPECT_EQ(ids[0].size(), 36u) << ids[0];  // a UUID
  EXPECT_EQ(ids[1], ids[0]);
  EXPECT_EQ(ids[2], ids[0]);
  EXPECT_NE(ids[3], ids[0]);
  // A caller's own id is sent as given.
  request.set_request_id("my-own-id");
  ASSERT_TRUE(client.Tweet(request).ok());
  EXPECT_EQ(server.service().tweet_request_ids().back(), "my-own-id");
}

TEST(RetryPolicyTest, SignUpIsNeverRetried) {
  for (const MethodCase& method : NonIdempotentMethods()) {
    SCOPED_TRACE(method.name);
    FakeMiniterServer server;
    ASSERT_TRUE(server.started());
    MiniterClient client = ConnectOrDie(server.address(), FastRetries());
    server.service().FailNextCalls(1, kUnavailable);
    absl::Status status = method.call(client);
    EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
    EXPECT_EQ(status.message(), "database unreachable");
    EXPECT_EQ(server.service().calls(), 1);
  }
}

TEST(RetryPolicyTest, GivesUpAfterMaxAttemptsWithTheLastError) {
  FakeMiniterServer server;
  ASSERT_TRUE(server.started());
  ClientOptions options = FastRetries();
  options.retry.max_attempts = 3;
  MiniterClient client = ConnectOrDie(server.address(), options);
  server.service().FailNextCalls(10, kUnavailable);

  absl::Status status = client.Timeline({}).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(status.message(), "database unreachable");
  EXPECT_EQ(server.service().calls(), 3);
}

TEST(RetryPolicyTest, OtherErrorsAreNotRetried) {
  FakeMiniterServer server;
  ASSERT_TRUE(server.started());
  MiniterClient client = ConnectOrDie(server.address(), FastRetries());
  server.service().FailNextCalls(
      1, grpc::Status(grpc::StatusCode::INTERNAL, "bug"));
  EXPECT_EQ(client.Timeline({}).status().code(), absl::StatusCode::kInternal);
  EXPECT_EQ(server.service().calls(), 1);
}

TEST(RetryPolicyTest, DisabledMeansOneAttempt) {
  FakeMiniterServer server;
  ASSERT_TRUE(server.started());
  ClientOptions options = FastRetries();
  options.retry.enabled = false;
  MiniterClient client = ConnectOrDie(server.address(), options);
  server.service().FailNextCalls(1, kUnavailable);
  EXPECT_EQ(client.Timeline({}).status().code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(server.service().calls(), 1);
}

TEST(RetryPolicyTest, RetriesStayWithinTheCallDeadline) {
  FakeMiniterServer server;
  ASSERT_TRUE(server.started());
  ClientOptions options;
  options.retry.max_attempts = 5;
  options.retry.initial_backoff = absl::Seconds(5);
  options.retry.max_backoff = absl::Seconds(5);
  options.retry.backoff_multiplier = 1;
  options.deadline = absl::Milliseconds(500);
  MiniterClient client = ConnectOrDie(server.address(), options);
  server.service().FailNextCalls(10, kUnavailable);

  absl::Time start = absl::Now();
  absl::StatusCode code = client.Timeline({}).status().code();
  // Backoff is random in [0, 5s): either the deadline cut a wait short, or
  // the attempts ran out first.
  EXPECT_TRUE(code == absl::StatusCode::kDeadlineExceeded ||
              code == absl::StatusCode::kUnavailable)
      << absl::StatusCodeToString(code);
  EXPECT_LT(absl::Now() - start, absl::Seconds(3));
}

TEST(RetryPolicyTest, ServiceConfigNamesOnlyIdempotentMethods) {
  const std::string json = RetryServiceConfigJson(RetryOptions{});
  for (const MethodCase& method : IdempotentMethods()) {
    EXPECT_TRUE(absl::StrContains(
        json, std::string("\"method\": \"") + method.name + "\""))
        << json;
  }
  for (const MethodCase& method : NonIdempotentMethods()) {
    EXPECT_FALSE(absl::StrContains(json, method.name)) << json;
  }
  EXPECT_TRUE(
      absl::StrContains(json, R"("retryableStatusCodes": ["UNAVAILABLE"])"))
      << json;
  EXPECT_TRUE(absl::StrContains(json, R"("initialBackoff": "0.100000000s")"))
      << json;

  RetryOptions off;
  off.enabled = false;
  EXPECT_EQ(RetryServiceConfigJson(off), "");
}

TEST(RetryPolicyTest, ConnectRejectsRetryOptionsGrpcWouldRefuse) {
  ClientOptions options;
  options.retry.max_attempts = 1;
  EXPECT_EQ(MiniterClient::Connect("127.0.0.1:1", options).status().code(),
            absl::StatusCode::kInvalidArgument);
  options = ClientOptions{};
  options.retry.initial_backoff = absl::ZeroDuration();
  EXPECT_EQ(MiniterClient::Connect("127.0.0.1:1", options).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(MiniterClient::Connect("").status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace miniter::client
