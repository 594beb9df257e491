// test_environment.cc: shared set-up for the integration tests.
#include "tests/integration/test_environment.h"

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "gtest/gtest.h"

namespace miniter::testing {

std::string TestDatabaseUrl() {
  if (const char* url = std::getenv("MINITER_TEST_DATABASE_URL");
      url != nullptr && *url != '\0') {
    return url;
  }
  const char* file = std::getenv("MINITER_TEST_DATABASE_URL_FILE");
  if (file != nullptr) {
    std::ifstream in(file);
    std::stringstream contents;
    contents << in.rdbuf();
    std::string url(absl::StripAsciiWhitespace(contents.str()));
    if (!url.empty()) return url;
  }
  std::cerr << "integration tests need MINITER_TEST_DATABASE_URL or "
               "MINITER_TEST_DATABASE_URL_FILE (run them through ctest)\n";
  std::abort();
}

app::ServerOptions TestServerOptions(const std::string& database_url) {
  app::ServerOptions options;
  options.listen_address = "127.0.0.1:0";
  options.database.database_url = database_url;
  options.database.pool_size = 8;
  options.token_secrets = {kTestTokenSecret};
  options.shutdown_grace = absl::Seconds(5);
  options.database_wait = absl::Seconds(10);
  // Suites sign up and tweet far faster than a person, all from 127.0.0.1;
  // tests/security sets tight limits where it tests them.
  const rules::RateLimit generous{1000000, absl::Minutes(1)};
  options.rate_limits.signup_per_peer = generous;
  options.rate_limits.login_per_peer = generous;
  options.rate_limits.login_per_email = generous;
  options.rate_limits.tweet_per_peer = generous;
  options.rate_limits.tweet_per_account = generous;
  options.rate_limits.login_backoff_per_email_and_peer = {};
  options.rate_limits.max_calls_in_flight_per_account = 0;
  return options;
}

std::unique_ptr<miniter::v1::Miniter::Stub> StubForPort(int port) {
  // A channel of its own (no shared subchannel), so that a test restarting
  // a server never inherits another channel's reconnect backoff.
  grpc::ChannelArguments arguments;
  arguments.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  return miniter::v1::Miniter::NewStub(
      grpc::CreateCustomChannel(absl::StrCat("127.0.0.1:", port),
                                grpc::InsecureChannelCredentials(), arguments));
}

std::unique_ptr<grpc::ClientContext> Context(const std::string& token) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() +
                        std::chrono::seconds(10));
  if (!token.empty()) {
    context->AddMetadata("authorization", "Bearer " + token);
  }
  return context;
}

std::string HealthOf(int port, const std::string& service) {
  grpc::ChannelArguments arguments;
  arguments.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  auto health = grpc::health::v1::Health::NewStub(
      grpc::CreateCustomChannel(absl::StrCat("127.0.0.1:", port),
                                grpc::InsecureChannelCredentials(), arguments));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(2));
  grpc::health::v1::HealthCheckRequest request;
  request.set_service(service);
  grpc::health::v1::HealthCheckResponse response;
  const grpc::Status status = health->Check(&context, request, &response);
  if (!status.ok()) {
    return absl::StrCat("error ", static_cast<int>(status.error_code()), ": ",
                        status.error_message());
  }
  return grpc::health::v1::HealthCheckResponse::ServingStatus_Name(
      response.status());
}

std::string UniqueEmail(const std::string& prefix) {
  static std::mt19937_64 random{std::random_device{}()};
  static std::mutex mutex;
  std::lock_guard<std::mutex> lock(mutex);
  return absl::StrCat(prefix, ".", random() % 1000000000000ull, "@example.com");
}

TestUser SignUpAndLogin(miniter::v1::Miniter::Stub& stub,
                        const std::string& name) {
  TestUser user;
  user.name = name;
  user.email = UniqueEmail("user");
  user.password = "correct horse battery";
  miniter::v1::SignUpRequest sign_up;
  sign_up.set_name(name);
  sign_up.set_email(user.email);
  sign_up.set_password(user.password);
  miniter::v1::SignUpResponse signed_up;
  grpc::Status status = stub.SignUp(Context().get(), sign_up, &signed_up);
  EXPECT_TRUE(status.ok()) << status.error_message();
  user.id = signed_up.user().id();

  miniter::v1::LoginRequest login;
  login.set_email(user.email);
  login.set_password(user.password);
  miniter::v1::LoginResponse logged_in;
  status = stub.Login(Context().get(), login, &logged_in);
  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(logged_in.user_id(), user.id);
  user.token = logged_in.access_token();
  return user;
}

std::uint64_t PostTweet(miniter::v1::Miniter::Stub& stub, const TestUser& user,
                        const std::string& text) {
  miniter::v1::TweetRequest request;
  request.set_text(text);
  miniter::v1::TweetResponse response;
  grpc::Status status =
      stub.Tweet(Context(user.token).get(), request, &response);
  EXPECT_TRUE(status.ok()) << status.error_message();
  return response.tweet().id();
}

void FollowUser(miniter::v1::Miniter::Stub& stub, const TestUser& user,
                const TestUser& target) {
  miniter::v1::FollowRequest request;
  request.set_user_id(target.id);
  miniter::v1::FollowResponse response;
  grpc::Status status =
      stub.Follow(Context(user.token).get(), request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
}

}  // namespace miniter::testing
