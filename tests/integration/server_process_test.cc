// server_process_test.cc: the real miniter-server binary: it logs each
// start-up step (and what it waits for) without secrets, stops cleanly on
// SIGTERM (draining readiness first, and at once while still waiting for
// the database), and every acknowledged write survives a restart, also
// after kill -9.
#include "tests/integration/server_process.h"

#include <signal.h>
#include <sys/wait.h>

#include <cstdio>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/test_environment.h"

namespace miniter::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(ServerProcessTest, WritesSurviveCleanAndHardRestarts) {
  const int port = FreePort();
  const std::string log_path =
      absl::StrCat(::testing::TempDir(), "miniter-server-", port, ".log");
  std::remove(log_path.c_str());

  std::uint64_t first_tweet = 0;
  TestUser user;
  {
    ServerProcess server(port, log_path);
    ASSERT_TRUE(server.WaitUntilServing()) << ReadTextFile(log_path);
    // A fresh channel per server: an old one may sit in reconnect backoff.
    auto stub = StubForPort(port);
    user = SignUpAndLogin(*stub, "restart");
    v1::TweetRequest request;
    request.set_text("survives a clean restart");
    v1::TweetResponse response;
    ASSERT_TRUE(
        stub->Tweet(Context(user.token).get(), request, &response).ok());
    first_tweet = response.tweet().id();
    const int status = server.StopWith(SIGTERM, absl::Seconds(10));
    ASSERT_TRUE(WIFEXITED(status)) << status;
    EXPECT_EQ(WEXITSTATUS(status), 0);
  }

  std::uint64_t second_tweet = 0;
  {
    ServerProcess server(port, log_path);
    ASSERT_TRUE(server.WaitUntilServing()) << ReadTextFile(log_path);
    // A fresh channel per server: an old one may sit in reconnect backoff.
    auto stub = StubForPort(port);
    v1::TweetRequest request;
    request.set_text("survives kill -9");
    v1::TweetResponse response;
    // The same token works after a restart: tokens are stateless.
    ASSERT_TRUE(
        stub->Tweet(Context(user.token).get(), request, &response).ok());
    second_tweet = response.tweet().id();
    const int status = server.StopWith(SIGKILL, absl::Seconds(10));
    ASSERT_TRUE(WIFSIGNALED(status));
  }

  {
    ServerProcess server(port, log_path);
    ASSERT_TRUE(server.WaitUntilServing()) << ReadTextFile(log_path);
    // A fresh channel per server: an old one may sit in reconnect backoff.
    auto stub = StubForPort(port);
    v1::TimelineRequest request;
    v1::TimelineResponse response;
    ASSERT_TRUE(
        stub->Timeline(Context(user.token).get(), request, &response).ok());
    ASSERT_EQ(response.tweets_size(), 2);
    EXPECT_EQ(response.tweets(0).id(), second_tweet);
    EXPECT_EQ(response.tweets(1).id(), first_tweet);
    server.StopWith(SIGTERM, absl::Seconds(10));
  }

  const std::string log = ReadTextFile(log_path);
  EXPECT_THAT(log, HasSubstr(absl::StrCat(
                       "serving miniter.v1.Miniter on 127.0.0.1:", port)));
  EXPECT_THAT(log, HasSubstr("SIGTERM"));
  // Neither the database password, the token secret, the user's password
  // nor a token ever reaches the log.
  const std::string url = TestDatabaseUrl();
  const std::string db_password =
      url.substr(url.find(':', 8) + 1, url.find('@') - url.find(':', 8) - 1);
  EXPECT_THAT(log, Not(HasSubstr(db_password)));
  EXPECT_THAT(log, Not(HasSubstr(kTestTokenSecret)));
  EXPECT_THAT(log, Not(HasSubstr(user.password)));
  EXPECT_THAT(log, Not(HasSubstr(user.token)));
}

// Polls the log at `path` until it contains `text`; false after `wait`.
bool WaitForLog(const std::string& path, const std::string& text,
                absl::Duration wait) {
  const absl::Time give_up = absl::Now() + wait;
  while (ReadTextFile(path).find(text) == std::string::npos) {
    if (absl::Now() > give_up) return false;
    absl::SleepFor(absl::Milliseconds(50));
  }
  return true;
}

// Starts a server on `port` whose database port has nothing listening, and
// waits until it logs that it waits for the database.
void StartWaitingForTheDatabase(int port, const std::string& log_path,
                                std::unique_ptr<ServerProcess>* server) {
  *server = std::make_unique<ServerProcess>(
      port, log_path,
      std::vector<std::pair<std::string, std::string>>{
          {"MINITER_DATABASE_URL",
           absl::StrCat("mysql://miniter:unused@127.0.0.1:", FreePort(),
                        "/miniter")}});
  ASSERT_TRUE(WaitForLog(log_path, "waiting for the database to answer",
                         absl::Seconds(20)))
      << ReadTextFile(log_path);
}

// A server waiting at start-up says so, and what for, from its first line
// on; a normal start logs each step with its time (issue 11: a benchmark
// gave up on a server that had logged nothing at all).
TEST(ServerProcessTest, StartUpLogsEachStepItWaitsFor) {
  const int port = FreePort();
  const std::string log_path =
      absl::StrCat(::testing::TempDir(), "miniter-server-start-", port, ".log");
  std::remove(log_path.c_str());
  {
    std::unique_ptr<ServerProcess> server;
    ASSERT_NO_FATAL_FAILURE(
        StartWaitingForTheDatabase(port, log_path, &server));
    const std::string log = ReadTextFile(log_path);
    EXPECT_THAT(log, HasSubstr("miniter-server starting (pid"));
    EXPECT_THAT(log, HasSubstr("starting: connecting to MariaDB and applying "
                               "migrations (waiting up to"));
    EXPECT_THAT(log, Not(HasSubstr("started in")));
    server->StopWith(SIGKILL, absl::Seconds(10));
  }
  std::remove(log_path.c_str());
  {
    ServerProcess server(port, log_path);
    ASSERT_TRUE(server.WaitUntilServing()) << ReadTextFile(log_path);
    ASSERT_TRUE(
        WaitForLog(log_path, "serving miniter.v1.Miniter", absl::Seconds(20)))
        << ReadTextFile(log_path);
    const std::string log = ReadTextFile(log_path);
    // Each step begins, then ends with its time, in start-up order.
    std::size_t at = 0;
    for (const char* line :
         {"miniter-server starting (pid",
          "starting: connecting to MariaDB and applying migrations",
          "for the database): done in",
          "starting: checking the database's durability settings...",
          "starting: opening the storage",
          "starting: giving users from before migration 0006 their search "
          "keys",
          "starting: listening on",
          "starting: first database health check: done in", "started in",
          "serving miniter.v1.Miniter"}) {
      const std::size_t found = log.find(line, at);
      ASSERT_NE(found, std::string::npos)
          << line << " after offset " << at << " in:\n"
          << log;
      at = found;
    }
    server.StopWith(SIGTERM, absl::Seconds(10));
  }
}

// Asks `service`'s health until it answers `want` or `wait` passes;
// returns the last answer.
std::string WaitForHealth(int port, const std::string& service,
                          const std::string& want, absl::Duration wait) {
  const absl::Time give_up = absl::Now() + wait;
  std::string answer = HealthOf(port, service);
  while (answer != want && absl::Now() < give_up) {
    absl::SleepFor(absl::Milliseconds(20));
    answer = HealthOf(port, service);
  }
  return answer;
}

// SIGTERM while the server waits for its database at start-up (up to 30 s)
// ends it at once with exit code 0: Kubernetes stopping a pod whose
// database is away should not have to wait out the wait, or kill it.
TEST(ServerProcessTest, SigtermWhileWaitingForTheDatabaseStopsAtOnce) {
  const int port = FreePort();
  const std::string log_path =
      absl::StrCat(::testing::TempDir(), "miniter-server-wait-", port, ".log");
  std::remove(log_path.c_str());
  std::unique_ptr<ServerProcess> server;
  ASSERT_NO_FATAL_FAILURE(StartWaitingForTheDatabase(port, log_path, &server));
  const absl::Time sent = absl::Now();
  server->Send(SIGTERM);
  const int status = server->WaitForExit(absl::Seconds(10));
  const absl::Duration took = absl::Now() - sent;
  ASSERT_NE(status, -1) << "still running 10 s after SIGTERM\n"
                        << ReadTextFile(log_path);
  ASSERT_TRUE(WIFEXITED(status)) << status;
  EXPECT_EQ(WEXITSTATUS(status), 0) << ReadTextFile(log_path);
  EXPECT_LT(took, absl::Seconds(2));
  EXPECT_THAT(ReadTextFile(log_path),
              HasSubstr("got SIGTERM while starting: stopped while waiting "
                        "for the database"));
}

// SIGTERM turns readiness (under all its names) NOT_SERVING at once, while
// liveness stays SERVING through the drain delay, so that Kubernetes takes
// the server out of its Service without restarting it; then the server
// stops by itself with exit code 0.
TEST(ServerProcessTest, SigtermDrainsReadinessWhileLivenessStaysServing) {
  const int port = FreePort();
  const std::string log_path =
      absl::StrCat(::testing::TempDir(), "miniter-server-drain-", port, ".log");
  std::remove(log_path.c_str());
  constexpr absl::Duration kDrain = absl::Seconds(4);
  ServerProcess server(port, log_path, {{"MINITER_DRAIN_DELAY", "4s"}});
  ASSERT_TRUE(server.WaitUntilServing()) << ReadTextFile(log_path);
  const std::vector<std::string> readiness = {"readiness", "",
                                              "miniter.v1.Miniter"};
  // Listening comes a moment before the first database check.
  for (const std::string& service : readiness) {
    EXPECT_EQ(WaitForHealth(port, service, "SERVING", absl::Seconds(10)),
              "SERVING")
        << '"' << service << '"';
  }
  EXPECT_EQ(HealthOf(port, "liveness"), "SERVING");

  const absl::Time sent = absl::Now();
  server.Send(SIGTERM);
  EXPECT_EQ(WaitForHealth(port, "readiness", "NOT_SERVING", kDrain / 2),
            "NOT_SERVING");
  for (const std::string& service : readiness) {
    EXPECT_EQ(HealthOf(port, service), "NOT_SERVING") << '"' << service << '"';
  }
  EXPECT_EQ(HealthOf(port, "liveness"), "SERVING");
  // All of the above inside the drain, or the answers prove nothing.
  EXPECT_LT(absl::Now() - sent, kDrain);

  const int status = server.WaitForExit(absl::Seconds(20));
  ASSERT_NE(status, -1) << ReadTextFile(log_path);
  ASSERT_TRUE(WIFEXITED(status)) << status;
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_GE(absl::Now() - sent, kDrain);
  EXPECT_THAT(ReadTextFile(log_path),
              HasSubstr("got SIGTERM: readiness NOT_SERVING"));
}

}  // namespace
}  // namespace miniter::testing
