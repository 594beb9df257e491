// server_process.cc: spawning and stopping the miniter-server binary.
#include "tests/integration/server_process.h"

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

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "grpcpp/grpcpp.h"
#include "tests/integration/test_environment.h"

extern char** environ;

namespace miniter::testing {

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

std::string ReadTextFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

ServerProcess::ServerProcess(
    int port, const std::string& log_path,
    const std::vector<std::pair<std::string, std::string>>& environment)
    : port_(port) {
  const char* binary = std::getenv("MINITER_SERVER_BINARY");
  if (binary == nullptr) std::abort();
  std::vector<std::pair<std::string, std::string>> settings = {
      {"MINITER_DATABASE_URL", TestDatabaseUrl()},
      {"MINITER_TOKEN_SECRET", kTestTokenSecret},
      {"MINITER_LISTEN", absl::StrCat("127.0.0.1:", port)},
      {"MINITER_SHUTDOWN_GRACE", "5s"},
      // Off unless a test asks (metrics tests give a free port).
      {"MINITER_METRICS_LISTEN", ""},
  };
  settings.insert(settings.end(), environment.begin(), environment.end());
  // The child's environment: this process's, minus every variable set
  // here, plus the settings (a later one wins).
  std::vector<std::string> entries;
  for (char** variable = environ; *variable != nullptr; ++variable) {
    bool overridden = false;
    for (const auto& [name, value] : settings) {
      overridden |= absl::StartsWith(*variable, name + "=");
    }
    if (!overridden) entries.emplace_back(*variable);
  }
  for (std::size_t i = 0; i < settings.size(); ++i) {
    bool later = false;
    for (std::size_t j = i + 1; j < settings.size(); ++j) {
      later |= settings[j].first == settings[i].first;
    }
    if (!later) {
      entries.push_back(
          absl::StrCat(settings[i].first, "=", settings[i].second));
    }
  }
  std::vector<char*> child_environment;
  for (std::string& entry : entries) child_environment.push_back(entry.data());
  child_environment.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, log_path.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0600);
  char* argv[] = {const_cast<char*>(binary), nullptr};
  if (posix_spawn(&pid_, binary, &actions, nullptr, argv,
                  child_environment.data()) != 0) {
    std::abort();
  }
  posix_spawn_file_actions_destroy(&actions);
}

ServerProcess::~ServerProcess() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
}

bool ServerProcess::WaitUntilServing() {
  auto channel = grpc::CreateChannel(absl::StrCat("127.0.0.1:", port_),
                                     grpc::InsecureChannelCredentials());
  return channel->WaitForConnected(std::chrono::system_clock::now() +
                                   std::chrono::seconds(60));
}

int ServerProcess::StopWith(int signal, absl::Duration timeout) {
  Send(signal);
  return WaitForExit(timeout);
}

void ServerProcess::Send(int signal) {
  if (pid_ > 0) kill(pid_, signal);
}

int ServerProcess::WaitForExit(absl::Duration timeout) {
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

}  // namespace miniter::testing
