// test_redis.cc: the fixture's Redis URL and a private redis-server child
// (see test_redis.h).
#include "tests/storage/test_redis.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "server/storage/redis/redis_client.h"

namespace miniter::storage {

std::string RedisUrlFromEnvironment() {
  if (const char* url = std::getenv("MINITER_TEST_REDIS_URL")) return url;
  const char* file = std::getenv("MINITER_TEST_REDIS_URL_FILE");
  if (file == nullptr) return "";
  std::ifstream in(file);
  std::string url;
  std::getline(in, url);
  return url;
}

PrivateRedis::PrivateRedis() {
  char dir[] = "/tmp/miniter-redis-XXXXXX";
  if (mkdtemp(dir) == nullptr) return;
  dir_ = dir;
  if (Start()) url_ = absl::StrCat("unix://", dir_, "/redis.sock");
}

bool PrivateRedis::Start() {
  const std::string socket = absl::StrCat(dir_, "/redis.sock");
  std::vector<std::string> args = {
      "redis-server", "--port",    "0",
      "--unixsocket", socket,      "--unixsocketperm",
      "700",          "--dir",     dir_,
      "--save",       "",          "--appendonly",
      "no",           "--logfile", absl::StrCat(dir_, "/redis.log")};
  pid_ = fork();
  if (pid_ == 0) {
    std::vector<char*> argv;
    for (std::string& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    execvp(argv[0], argv.data());
    _exit(127);
  }
  if (pid_ < 0) return false;
  redis::RedisClientOptions options;
  options.endpoint.unix_socket = socket;
  redis::RedisClient client(options);
  const absl::Time give_up = absl::Now() + absl::Seconds(10);
  while (absl::Now() < give_up) {
    if (client.Command({"PING"}).ok()) return true;
    absl::SleepFor(absl::Milliseconds(20));
  }
  return false;
}

bool PrivateRedis::Restart() {
  if (dir_.empty() || pid_ > 0) return false;
  // redis-server replaces the socket file the killed one left behind.
  return Start();
}

PrivateRedis::~PrivateRedis() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  if (!dir_.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
}

void PrivateRedis::Pause() { kill(pid_, SIGSTOP); }
void PrivateRedis::Resume() { kill(pid_, SIGCONT); }

void PrivateRedis::Kill() {
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

}  // namespace miniter::storage
