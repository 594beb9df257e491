// database_outage_test.cc: with the database cut off, calls fail fast with
// UNAVAILABLE (never INTERNAL, never hanging) and the server keeps running,
// readiness goes NOT_SERVING while liveness stays SERVING; when the database
// returns, the same server serves again by itself.
#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "gtest/gtest.h"
#include "tests/integration/tcp_proxy.h"
#include "tests/integration/test_environment.h"

namespace miniter::testing {
namespace {

// Rewrites the "@127.0.0.1:PORT/" of a TCP database URL to another port.
std::string WithPort(const std::string& url, int port, int* old_port) {
  const std::string host_prefix = "@127.0.0.1:";
  const size_t host = url.find(host_prefix);
  if (host == std::string::npos) return "";
  const size_t digits = host + host_prefix.size();
  const size_t slash = url.find('/', digits);
  if (slash == std::string::npos ||
      !absl::SimpleAtoi(url.substr(digits, slash - digits), old_port)) {
    return "";
  }
  return absl::StrCat(url.substr(0, digits), port, url.substr(slash));
}

// The test database's port behind a TcpProxy, and a server using the
// database through it, with short timeouts so that an outage shows fast.
void StartBehindProxy(std::unique_ptr<TcpProxy>* proxy,
                      std::unique_ptr<app::MiniterServer>* server) {
  const std::string url = TestDatabaseUrl();
  int database_port = 0;
  ASSERT_FALSE(WithPort(url, 1, &database_port).empty())
      << "this test needs a TCP database URL on 127.0.0.1";
  *proxy = std::make_unique<TcpProxy>(database_port);
  app::ServerOptions options =
      TestServerOptions(WithPort(url, (*proxy)->port(), &database_port));
  options.database.connect_timeout = absl::Seconds(1);
  options.database.io_timeout = absl::Seconds(2);
  absl::StatusOr<std::unique_ptr<app::MiniterServer>> started =
      app::MiniterServer::Start(options);
  ASSERT_TRUE(started.ok()) << started.status();
  *server = *std::move(started);
}

TEST(DatabaseOutageTest, UnavailableWhileDownAndRecoversWithoutRestart) {
  std::unique_ptr<TcpProxy> proxy;
  std::unique_ptr<app::MiniterServer> server;
  ASSERT_NO_FATAL_FAILURE(StartBehindProxy(&proxy, &server));
  auto stub = StubForPort(server->port());
  TestUser user = SignUpAndLogin(*stub, "outage");

  auto tweet = [&](const std::string& text) {
    v1::TweetRequest request;
    request.set_text(text);
    v1::TweetResponse response;
    return stub->Tweet(Context(user.token).get(), request, &response);
  };
  ASSERT_TRUE(tweet("before the outage").ok());

  proxy->SetUp(false);
  for (int i = 0; i < 3; ++i) {
    const auto started = std::chrono::steady_clock::now();
    grpc::Status status = tweet("during the outage");
    const auto took = std::chrono::steady_clock::now() - started;
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE)
        << status.error_message();
    EXPECT_LT(took, std::chrono::seconds(5));
    v1::TimelineRequest request;
    v1::TimelineResponse response;
    EXPECT_EQ(stub->Timeline(Context(user.token).get(), request, &response)
                  .error_code(),
              grpc::StatusCode::UNAVAILABLE);
  }

  proxy->SetUp(true);
  // Recovery needs no restart: within a few seconds calls succeed again.
  grpc::Status status;
  for (int attempt = 0; attempt < 50; ++attempt) {
    status = tweet("after the outage");
    if (status.ok()) break;
    absl::SleepFor(absl::Milliseconds(200));
  }
  EXPECT_TRUE(status.ok()) << status.error_message();
}

// Readiness, under each of its names, follows the database, Watch
// included, and comes back by itself; liveness stays SERVING throughout, so
// a Kubernetes liveness probe does not restart servers over a database
// outage that a restart cannot end.
TEST(DatabaseOutageTest, ReadinessFollowsTheDatabaseAndLivenessDoesNot) {
  using grpc::health::v1::HealthCheckResponse;
  std::unique_ptr<TcpProxy> proxy;
  std::unique_ptr<app::MiniterServer> server;
  ASSERT_NO_FATAL_FAILURE(StartBehindProxy(&proxy, &server));
  const int port = server->port();
  const std::vector<std::string> readiness = {"readiness", "",
                                              "miniter.v1.Miniter"};
  for (const std::string& service : readiness) {
    EXPECT_EQ(HealthOf(port, service), "SERVING") << '"' << service << '"';
  }
  EXPECT_EQ(HealthOf(port, "liveness"), "SERVING");
  EXPECT_EQ(HealthOf(port, "no.such.Service"), "error 5: unknown service");

  auto health = grpc::health::v1::Health::NewStub(grpc::CreateChannel(
      absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(60));
  grpc::health::v1::HealthCheckRequest request;
  request.set_service("readiness");
  auto watch = health->Watch(&context, request);
  HealthCheckResponse response;
  ASSERT_TRUE(watch->Read(&response));
  EXPECT_EQ(response.status(), HealthCheckResponse::SERVING);

  proxy->SetUp(false);
  // The health poller runs every second with 1 s timeouts: NOT_SERVING
  // within a few seconds (the Watch deadline bounds the wait).
  const absl::Time cut = absl::Now();
  ASSERT_TRUE(watch->Read(&response));
  EXPECT_EQ(response.status(), HealthCheckResponse::NOT_SERVING);
  EXPECT_LT(absl::Now() - cut, absl::Seconds(10));
  for (const std::string& service : readiness) {
    EXPECT_EQ(HealthOf(port, service), "NOT_SERVING") << '"' << service << '"';
  }
  // Several health polls' worth of the outage, liveness asked throughout.
  const absl::Time outage_end = absl::Now() + absl::Seconds(3);
  int asked = 0;
  while (absl::Now() < outage_end) {
    ASSERT_EQ(HealthOf(port, "liveness"), "SERVING") << "after " << asked;
    ++asked;
    absl::SleepFor(absl::Milliseconds(100));
  }
  EXPECT_EQ(HealthOf(port, "readiness"), "NOT_SERVING");

  proxy->SetUp(true);
  const absl::Time restored = absl::Now();
  ASSERT_TRUE(watch->Read(&response));
  EXPECT_EQ(response.status(), HealthCheckResponse::SERVING);
  EXPECT_LT(absl::Now() - restored, absl::Seconds(10));
  for (const std::string& service : readiness) {
    EXPECT_EQ(HealthOf(port, service), "SERVING") << '"' << service << '"';
  }
  EXPECT_EQ(HealthOf(port, "liveness"), "SERVING");
  context.TryCancel();
  while (watch->Read(&response)) {
  }
  EXPECT_EQ(watch->Finish().error_code(), grpc::StatusCode::CANCELLED);
}

}  // namespace
}  // namespace miniter::testing
