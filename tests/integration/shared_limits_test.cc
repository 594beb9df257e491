// shared_limits_test.cc: two real miniter servers on one database and one
// memory tier (ctest label "integration", fixtures miniter_db and
// miniter_redis) enforce one rate limit between them: a client's login
// attempts through either server add up, and so do its failed logins; and
// --redis_timeout bounds the limits' calls to a Redis that stopped
// answering.
// limiter_state_integration_test.cc checks the shared state itself (TTLs,
// hashed keys, outages).
#include <memory>
#include <string>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "tests/integration/test_environment.h"
#include "tests/storage/test_redis.h"

namespace miniter::testing {
namespace {

class SharedLimitsServersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string redis_url = storage::RedisUrlFromEnvironment();
    ASSERT_FALSE(redis_url.empty()) << "no test Redis (fixture miniter_redis)";
    app::ServerOptions options = TestServerOptions(TestDatabaseUrl());
    options.redis_url = redis_url;
    // A secret of this run: the limit keys are hashed with a key derived
    // from it, so earlier runs on the same Redis leave nothing to inherit.
    options.token_secrets = {absl::StrCat(
        kTestTokenSecret, absl::Uniform<std::uint64_t>(absl::BitGen()))};
    options.rate_limits.login_per_peer = {5, absl::Minutes(1)};
    options.rate_limits.login_backoff_per_email_and_peer = {
        2, absl::Seconds(30), absl::Minutes(5), absl::Hours(1)};
    for (auto* server : {&a_, &b_}) {
      auto started = app::MiniterServer::Start(options);
      ASSERT_TRUE(started.ok()) << started.status();
      *server = *std::move(started);
    }
  }

  void TearDown() override {
    for (auto* server : {&a_, &b_}) {
      if (*server != nullptr) (*server)->Shutdown();
    }
  }

  static grpc::Status Login(app::MiniterServer& server,
                            const std::string& email) {
    v1::LoginRequest request;
    request.set_email(email);
    request.set_password("not the password");
    v1::LoginResponse response;
    return StubForPort(server.port())
        ->Login(Context().get(), request, &response);
  }

  std::unique_ptr<app::MiniterServer> a_;
  std::unique_ptr<app::MiniterServer> b_;
};

TEST_F(SharedLimitsServersTest, LoginAttemptsFromOneAddressAddUpAcrossServers) {
  // 5 a minute from 127.0.0.1: 3 through A, 2 through B, then neither.
  for (int i = 0; i < 5; ++i) {
    grpc::Status status = Login(i < 3 ? *a_ : *b_, UniqueEmail("limits"));
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED)
        << i << ": " << status.error_message();
  }
  for (app::MiniterServer* server : {a_.get(), b_.get()}) {
    grpc::Status status = Login(*server, UniqueEmail("limits"));
    EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
    EXPECT_NE(status.error_message().find("login attempts from your address"),
              std::string::npos)
        << status.error_message();
  }
}

TEST_F(SharedLimitsServersTest, FailedLoginsOfOneEmailAddUpAcrossServers) {
  // The login_per_peer bucket of 127.0.0.1 is this test's own (its secret
  // is new), so the 3 attempts below are all within it.
  const std::string email = UniqueEmail("backoff");
  EXPECT_EQ(Login(*a_, email).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(Login(*b_, email).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  // Two free failures per (e-mail, address), one through each server:
  // the third waits, through either.
  grpc::Status third = Login(*a_, email);
  EXPECT_EQ(third.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_NE(third.error_message().find("failed logins"), std::string::npos)
      << third.error_message();
}

// --redis_timeout bounds the shared rate limits' calls as it does the
// tier's: with Redis paused, the first login waits that long (not the
// limits' own 250 ms default) and is then answered by the per-process
// limits; the next one does not wait for Redis at all.
TEST(SharedLimitsTimeoutTest, ThePausedRedisCostsOneLoginTheRedisTimeout) {
  storage::PrivateRedis redis;
  ASSERT_FALSE(redis.url().empty()) << "redis-server did not start";
  constexpr absl::Duration kRedisTimeout = absl::Milliseconds(1500);
  app::ServerOptions options = TestServerOptions(TestDatabaseUrl());
  options.redis_url = redis.url();
  options.redis_timeout = kRedisTimeout;
  absl::StatusOr<std::unique_ptr<app::MiniterServer>> server =
      app::MiniterServer::Start(options);
  ASSERT_TRUE(server.ok()) << server.status();
  std::unique_ptr<miniter::v1::Miniter::Stub> stub =
      StubForPort((*server)->port());
  const auto login = [&stub]() -> absl::Duration {
    v1::LoginRequest request;
    request.set_email(UniqueEmail("timeout"));
    request.set_password("not the password");
    v1::LoginResponse response;
    const absl::Time start = absl::Now();
    grpc::Status status = stub->Login(Context().get(), request, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED)
        << status.error_message();
    return absl::Now() - start;
  };
  login();  // through Redis, which answers

  redis.Pause();
  const absl::Duration first = login();
  const absl::Duration second = login();
  redis.Resume();
  (*server)->Shutdown();
  // A socket timeout never fires early; 250 ms would be far below this.
  EXPECT_GE(first, kRedisTimeout - absl::Milliseconds(10));
  EXPECT_LT(second, kRedisTimeout);
}

}  // namespace
}  // namespace miniter::testing
