// server_process_test.cc: the real miniter-server binary: it logs each
// start-up step (and what it waits for) without secrets, stops cleanly on
// SIGTERM, and every acknowledged write survives a restart, also after
// kill -9.
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/test_environment.h"

extern char** environ;

namespace miniter::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

int FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  socklen_t length = sizeof address;
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  close(fd);
  return ntohs(address.sin_port);
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

// One miniter-server child process, its stderr captured to a file.
class ServerProcess {
 public:
  ServerProcess(int port, const std::string& log_path,
                const std::string& database_url = TestDatabaseUrl())
      : port_(port) {
    const char* binary = std::getenv("MINITER_SERVER_BINARY");
    if (binary == nullptr) std::abort();
    setenv("MINITER_DATABASE_URL", database_url.c_str(), 1);
    setenv("MINITER_TOKEN_SECRET", kTestTokenSecret, 1);
    setenv("MINITER_LISTEN", absl::StrCat("127.0.0.1:", port).c_str(), 1);
    setenv("MINITER_SHUTDOWN_GRACE", "5s", 1);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, log_path.c_str(),
                                     O_WRONLY | O_CREAT | O_APPEND, 0600);
    char* argv[] = {const_cast<char*>(binary), nullptr};
    if (posix_spawn(&pid_, binary, &actions, nullptr, argv, environ) != 0) {
      std::abort();
    }
    posix_spawn_file_actions_destroy(&actions);
  }

  ~ServerProcess() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }

  // Waits until the server accepts RPCs.
  bool WaitUntilServing() {
    auto channel = grpc::CreateChannel(absl::StrCat("127.0.0.1:", port_),
                                       grpc::InsecureChannelCredentials());
    return channel->WaitForConnected(std::chrono::system_clock::now() +
                                     std::chrono::seconds(60));
  }

  // Sends `signal` and returns the exit status (or -1 on timeout).
  int StopWith(int signal, absl::Duration timeout) {
    kill(pid_, signal);
    const absl::Time give_up = absl::Now() + timeout;
    int status = 0;
    while (absl::Now() < give_up) {
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return status;
      }
      absl::SleepFor(absl::Milliseconds(20));
    }
    return -1;
  }

 private:
  int port_;
  pid_t pid_ = -1;
};

TEST(ServerProcessTest, WritesSurviveCleanAndHardRestarts) {
  const int port = FreePort();
  const std::string log_path =
      absl::StrCat(::testing::TempDir(), "miniter-server-", port, ".log");
  std::remove(log_path.c_str());

  std::uint64_t first_tweet = 0;
  TestUser user;
  {
    ServerProcess server(port, log_path);
    ASSERT_TRUE(server.WaitUntilServing()) << ReadFile(log_path);
    // A fresh channel per server: an old one may sit in reconnect backoff.
    auto stub = StubForPort(port);
    user = SignUpAndLogin(*stub, "restart");
    v1::TweetRequest request;
    request.set_text("survives a clean restart");
    v1::TweetResponse response;
    ASSERT_TRUE(stub->Tweet(Context(user.token).get(), request, &response).ok());
    first_tweet = response.tweet().id();
    const int status = server.StopWith(SIGTERM, absl::Seconds(10));
    ASSERT_TRUE(WIFEXITED(status)) << status;
    EXPECT_EQ(WEXITSTATUS(status), 0);
  }

  std::uint64_t second_tweet = 0;
  {
    ServerProcess server(port, log_path);
    ASSERT_TRUE(server.WaitUntilServing()) << ReadFile(log_path);
    // A fresh channel per server: an old one may sit in reconnect backoff.
    auto stub = StubForPort(port);
    v1::TweetRequest request;
    request.set_text("survives kill -9");
    v1::TweetResponse response;
    // The same token works after a restart: tokens are stateless.
    ASSERT_TRUE(stub->Tweet(Context(user.token).get(), request, &response).ok());
    second_tweet = response.tweet().id();
    const int status = server.StopWith(SIGKILL, absl::Seconds(10));
    ASSERT_TRUE(WIFSIGNALED(status));
  }

  {
    ServerProcess server(port, log_path);
    ASSERT_TRUE(server.WaitUntilServing()) << ReadFile(log_path);
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

  const std::string log = ReadFile(log_path);
  EXPECT_THAT(log, HasSubstr(absl::StrCat("serving miniter.v1.Miniter on 127.0.0.1:", port)));
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
  while (ReadFile(path).find(text) == std::string::npos) {
    if (absl::Now() > give_up) return false;
    absl::SleepFor(absl::Milliseconds(50));
  }
  return true;
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
    // Nothing listens at this database port: the server waits for it.
    ServerProcess server(port, log_path,
                         absl::StrCat("mysql://miniter:unused@127.0.0.1:",
                                      FreePort(), "/miniter"));
    ASSERT_TRUE(WaitForLog(log_path, "waiting for the database to answer",
                           absl::Seconds(20)))
        << ReadFile(log_path);
    const std::string log = ReadFile(log_path);
    EXPECT_THAT(log, HasSubstr("miniter-server starting (pid"));
    EXPECT_THAT(log, HasSubstr("starting: connecting to MariaDB and applying "
                               "migrations (waiting up to"));
    EXPECT_THAT(log, Not(HasSubstr("started in")));
    server.StopWith(SIGKILL, absl::Seconds(10));
  }
  std::remove(log_path.c_str());
  {
    ServerProcess server(port, log_path);
    ASSERT_TRUE(server.WaitUntilServing()) << ReadFile(log_path);
    ASSERT_TRUE(WaitForLog(log_path, "serving miniter.v1.Miniter",
                           absl::Seconds(20)))
        << ReadFile(log_path);
    const std::string log = ReadFile(log_path);
    // Each step begins, then ends with its time, in start-up order.
    std::size_t at = 0;
    for (const char* line :
         {"miniter-server starting (pid",
          "starting: connecting to MariaDB and applying migrations",
          "for the database): done in",
          "starting: checking the database's durability settings...",
          "starting: opening the storage", "starting: listening on",
          "starting: first database health check: done in", "started in",
          "serving miniter.v1.Miniter"}) {
      const std::size_t found = log.find(line, at);
      ASSERT_NE(found, std::string::npos) << line << " after offset " << at
                                          << " in:\n" << log;
      at = found;
    }
    server.StopWith(SIGTERM, absl::Seconds(10));
  }
}

}  // namespace
}  // namespace miniter::testing
