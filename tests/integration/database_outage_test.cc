// database_outage_test.cc: with the database cut off, calls fail fast with
// UNAVAILABLE (never INTERNAL, never hanging) and the server keeps running;
// when the database returns, the same server serves again by itself.
#include <chrono>
#include <regex>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/integration/tcp_proxy.h"
#include "tests/integration/test_environment.h"

namespace miniter::testing {
namespace {

// Rewrites the "@127.0.0.1:PORT/" of a TCP database URL to another port.
std::string WithPort(const std::string& url, int port, int* old_port) {
  std::smatch match;
  const std::regex host_port("@127\\.0\\.0\\.1:([0-9]+)/");
  if (!std::regex_search(url, match, host_port)) return "";
  *old_port = std::stoi(match[1]);
  return absl::StrCat(match.prefix().str(), "@127.0.0.1:", port, "/",
                      match.suffix().str());
}

TEST(DatabaseOutageTest, UnavailableWhileDownAndRecoversWithoutRestart) {
  const std::string url = TestDatabaseUrl();
  int database_port = 0;
  ASSERT_FALSE(WithPort(url, 1, &database_port).empty())
      << "this test needs a TCP database URL on 127.0.0.1";
  TcpProxy proxy(database_port);
  app::ServerOptions options =
      TestServerOptions(WithPort(url, proxy.port(), &database_port));
  options.database.connect_timeout = absl::Seconds(1);
  options.database.io_timeout = absl::Seconds(2);
  absl::StatusOr<std::unique_ptr<app::MiniterServer>> server =
      app::MiniterServer::Start(options);
  ASSERT_TRUE(server.ok()) << server.status();
  auto stub = StubForPort((*server)->port());
  TestUser user = SignUpAndLogin(*stub, "outage");

  auto tweet = [&](const std::string& text) {
    v1::TweetRequest request;
    request.set_text(text);
    v1::TweetResponse response;
    return stub->Tweet(Context(user.token).get(), request, &response);
  };
  ASSERT_TRUE(tweet("before the outage").ok());

  proxy.SetUp(false);
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

  proxy.SetUp(true);
  // Recovery needs no restart: within a few seconds calls succeed again.
  grpc::Status status;
  for (int attempt = 0; attempt < 50; ++attempt) {
    status = tweet("after the outage");
    if (status.ok()) break;
    absl::SleepFor(absl::Milliseconds(200));
  }
  EXPECT_TRUE(status.ok()) << status.error_message();
}

}  // namespace
}  // namespace miniter::testing
