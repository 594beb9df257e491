// server_process.h: the real miniter-server binary as a child process, for
// tests that restart a server or start it with other settings: a free
// port, the process with its stderr in a log file, and reading that log.
#ifndef MINITER_TESTS_INTEGRATION_SERVER_PROCESS_H_
#define MINITER_TESTS_INTEGRATION_SERVER_PROCESS_H_

#include <sys/types.h>

#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"

namespace miniter::testing {

// A TCP port on 127.0.0.1 that was free a moment ago.
int FreePort();

// The whole file; empty when it cannot be read.
std::string ReadTextFile(const std::string& path);

// One miniter-server child ($MINITER_SERVER_BINARY, set by ctest), killed
// (SIGKILL) by the destructor if still running.
class ServerProcess {
 public:
  // Starts the binary on 127.0.0.1:`port` against the test database with
  // kTestTokenSecret, a 5 s shutdown grace and no metrics endpoint, with
  // `environment` (NAME, VALUE) set on top; an empty VALUE means "not
  // given" to the server (but for MINITER_METRICS_LISTEN, where it is off).
  // stderr is appended to `log_path`. Aborts when it cannot spawn.
  ServerProcess(
      int port, const std::string& log_path,
      const std::vector<std::pair<std::string, std::string>>& environment = {});
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  // Waits (up to 60 s) until the server accepts connections.
  bool WaitUntilServing();

  // Sends `signal` and returns the wait status, or -1 on timeout.
  int StopWith(int signal, absl::Duration timeout);

  // Sends `signal` without waiting (to watch what the server does next).
  void Send(int signal);

  // Waits for the process to end by itself (e.g. refusing its settings)
  // and returns the wait status, or -1 on timeout.
  int WaitForExit(absl::Duration timeout);

 private:
  int port_;
  pid_t pid_ = -1;
};

}  // namespace miniter::testing

#endif  // MINITER_TESTS_INTEGRATION_SERVER_PROCESS_H_
