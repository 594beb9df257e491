// miniter_service_test.cc: the gRPC adapter over a real in-process channel
// with mocked storage: status mapping, bearer metadata, proto conversion.
#include "server/api/miniter_service.h"

#include <chrono>
#include <memory>
#include <optional>

#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "server/common/call_deadline.h"
#include "server/common/retry_hint.h"
#include "server/storage/mocks/mock_stores.h"
#include "tests/unit/adapter_test_fixture.h"

namespace miniter::api {
namespace {

using ::testing::_;
using ::testing::Return;

TEST(ClientAddressTest, TakesTheAddressOfTheGrpcPeer) {
  EXPECT_EQ(ClientAddress("ipv4:10.1.2.3:41234", "", {}), "10.1.2.3");
  EXPECT_EQ(ClientAddress("ipv6:[2001:db8::1]:41234", "", {}), "2001:db8::1");
  EXPECT_EQ(ClientAddress("unix:/tmp/s", "", {}), "unix:/tmp/s");
}

TEST(RateLimitKeyTest, IPv6ClientsAreCountedPerPrefix) {
  // Two addresses of one /64 share a key; another /64 does not.
  EXPECT_EQ(RateLimitKey("2001:db8:1:2:aaaa::1", 64), "2001:db8:1:2::/64");
  EXPECT_EQ(RateLimitKey("2001:db8:1:2:ffff:ffff:ffff:ffff", 64),
            "2001:db8:1:2::/64");
  EXPECT_EQ(RateLimitKey("2001:db8:1:3::1", 64), "2001:db8:1:3::/64");
  EXPECT_EQ(RateLimitKey("2001:db8:1:2:aaaa::1", 48), "2001:db8:1::/48");
  EXPECT_EQ(RateLimitKey("2001:db8:1:2:aaaa::1", 60), "2001:db8:1::/60");
  EXPECT_EQ(RateLimitKey("2001:db8::1", 128), "2001:db8::1/128");
  // IPv4, IPv4 mapped into IPv6, and other schemes.
  EXPECT_EQ(RateLimitKey("10.1.2.3", 64), "10.1.2.3");
  EXPECT_EQ(RateLimitKey("::ffff:10.1.2.3", 64), "10.1.2.3");
  EXPECT_EQ(RateLimitKey("unix:/tmp/s", 64), "unix:/tmp/s");
}

TEST(ClientAddressTest, ForwardedForCountsOnlyFromATrustedProxy) {
  const std::set<std::string> proxies = {"10.0.0.5"};
  // Anyone else's header is the client's own claim: ignored.
  EXPECT_EQ(ClientAddress("ipv4:10.9.9.9:1", "1.2.3.4", proxies), "10.9.9.9");
  // The proxy appended the last entry; earlier ones came from the client.
  EXPECT_EQ(ClientAddress("ipv4:10.0.0.5:1", "6.6.6.6, 1.2.3.4", proxies),
            "1.2.3.4");
  EXPECT_EQ(ClientAddress("ipv4:10.0.0.5:1", "1.2.3.4", proxies), "1.2.3.4");
  // A proxy that sent no header is itself the client.
  EXPECT_EQ(ClientAddress("ipv4:10.0.0.5:1", "", proxies), "10.0.0.5");
}

TEST(ToGrpcStatusTest, KeepsCodeAndMessage) {
  grpc::Status status = ToGrpcStatus(absl::NotFoundError("no user has id 9"));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(status.error_message(), "no user has id 9");
  EXPECT_TRUE(ToGrpcStatus(absl::OkStatus()).ok());
  EXPECT_EQ(ToGrpcStatus(absl::UnavailableError("x")).error_code(),
            grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(ToGrpcStatus(absl::ResourceExhaustedError("x")).error_code(),
            grpc::StatusCode::RESOURCE_EXHAUSTED);
}

TEST(ToGrpcStatusTest, RetryHintIsAppendedToTheMessage) {
  grpc::Status status = ToGrpcStatus(
      common::WithRetryAfter(absl::ResourceExhaustedError("too many logins"),
                             absl::Microseconds(1500)));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(status.error_message(), "too many logins; retry after 2 ms");
}

TEST(ToGrpcStatusTest, UnknownBecomesInternal) {
  EXPECT_EQ(ToGrpcStatus(absl::UnknownError("?")).error_code(),
            grpc::StatusCode::INTERNAL);
}

class MiniterServiceTest : public AdapterTest {
 protected:
  void SetUp() override { StartServer(); }

  // Sends Follow(43) as user 42, with `deadline` when given, and returns
  // the deadline the follow store saw during the call.
  absl::Time DeadlineSeenByStorage(
      std::optional<std::chrono::system_clock::time_point> deadline) {
    absl::Time seen = absl::InfinitePast();
    EXPECT_CALL(*follows_, Follow(42, 43)).WillOnce([&seen] {
      seen = common::CurrentCallDeadline();
      return absl::OkStatus();
    });
    grpc::ClientContext context;
    if (deadline.has_value()) context.set_deadline(*deadline);
    context.AddMetadata("authorization",
                        "Bearer " + tokens_->Issue(42, absl::Now())->token);
    miniter::v1::FollowRequest request;
    request.set_user_id(43);
    miniter::v1::FollowResponse response;
    EXPECT_TRUE(stub_->Follow(&context, request, &response).ok());
    return seen;
  }
};

TEST_F(MiniterServiceTest, TweetWithoutTokenIsUnauthenticated) {
  grpc::ClientContext context;
  miniter::v1::TweetRequest request;
  request.set_text("hello");
  miniter::v1::TweetResponse response;
  grpc::Status status = stub_->Tweet(&context, request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(status.error_message(), ::testing::HasSubstr("authorization"));
}

TEST_F(MiniterServiceTest, TweetActsAsTheTokenOwnerAndConvertsTheReply) {
  EXPECT_CALL(*tweets_,
              CreateTweet(42, std::string_view("hello"), std::string_view()))
      .WillOnce(Return(storage::TweetRecord{
          7, 42, "Ann", "hello",
          absl::FromUnixSeconds(1'800'000'000) + absl::Microseconds(5)}));
  grpc::ClientContext context;
  context.AddMetadata("authorization",
                      "Bearer " + tokens_->Issue(42, absl::Now())->token);
  miniter::v1::TweetRequest request;
  request.set_text("hello");
  miniter::v1::TweetResponse response;
  grpc::Status status = stub_->Tweet(&context, request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.tweet().id(), 7u);
  EXPECT_EQ(response.tweet().author_id(), 42u);
  EXPECT_EQ(response.tweet().created_at().seconds(), 1'800'000'000);
  EXPECT_EQ(response.tweet().created_at().nanos(), 5000);
}

TEST_F(MiniterServiceTest, StorageOutageIsUnavailable) {
  EXPECT_CALL(*follows_, Follow(42, 43))
      .WillOnce(Return(absl::UnavailableError("database unavailable")));
  grpc::ClientContext context;
  context.AddMetadata("authorization",
                      "Bearer " + tokens_->Issue(42, absl::Now())->token);
  miniter::v1::FollowRequest request;
  request.set_user_id(43);
  miniter::v1::FollowResponse response;
  EXPECT_EQ(stub_->Follow(&context, request, &response).error_code(),
            grpc::StatusCode::UNAVAILABLE);
}

TEST_F(MiniterServiceTest, StorageSeesTheClientsDeadlineOnlyDuringTheCall) {
  const auto deadline =
      std::chrono::system_clock::now() + std::chrono::seconds(30);
  const absl::Time seen = DeadlineSeenByStorage(deadline);
  // The deadline travels on the wire with millisecond-ish precision.
  EXPECT_LT(absl::AbsDuration(seen - absl::FromChrono(deadline)),
            absl::Seconds(1));
  // Outside a call (this thread), there is none.
  EXPECT_EQ(common::CurrentCallDeadline(), absl::InfiniteFuture());
}

TEST_F(MiniterServiceTest, CallWithoutDeadlineHasNoneInStorage) {
  EXPECT_EQ(DeadlineSeenByStorage(std::nullopt), absl::InfiniteFuture());
}

}  // namespace
}  // namespace miniter::api
