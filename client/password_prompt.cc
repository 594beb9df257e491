// password_prompt.cc: no-echo terminal input with termios.
#include "client/password_prompt.h"

#include <signal.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "absl/cleanup/cleanup.h"
#include "absl/status/status.h"

namespace miniter::client {
namespace {

// Saved terminal state for the signal handler: a Ctrl-C while echo is off
// would otherwise leave the user's shell with an invisible cursor line.
struct termios saved_termios;
volatile sig_atomic_t echo_disabled = 0;

extern "C" void RestoreEchoAndDie(int signal_number) {
  if (echo_disabled) tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_termios);
  ::signal(signal_number, SIG_DFL);
  ::raise(signal_number);
}

}  // namespace

absl::StatusOr<std::string> PromptPasswordNoEcho(const std::string& prompt) {
  if (!isatty(STDIN_FILENO)) {
    return absl::FailedPreconditionError("stdin is not a terminal");
  }
  if (tcgetattr(STDIN_FILENO, &saved_termios) != 0) {
    return absl::ErrnoToStatus(errno, "tcgetattr");
  }
  std::fputs(prompt.c_str(), stderr);
  std::fflush(stderr);

  struct sigaction action = {};
  action.sa_handler = RestoreEchoAndDie;
  sigemptyset(&action.sa_mask);
  struct sigaction old_int, old_term, old_hup;
  sigaction(SIGINT, &action, &old_int);
  sigaction(SIGTERM, &action, &old_term);
  sigaction(SIGHUP, &action, &old_hup);

  struct termios quiet = saved_termios;
  quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
  quiet.c_lflag |= ECHONL;  // still move to the next line on Enter
  echo_disabled = 1;
  if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) != 0) {
    echo_disabled = 0;
    return absl::ErrnoToStatus(errno, "tcsetattr");
  }
  absl::Cleanup restore = [&] {
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_termios);
    echo_disabled = 0;
    sigaction(SIGINT, &old_int, nullptr);
    sigaction(SIGTERM, &old_term, nullptr);
    sigaction(SIGHUP, &old_hup, nullptr);
  };

  // read(2) byte by byte rather than stdio: nothing beyond the newline is
  // consumed, and no copy of the password lingers in a stdio buffer.
  std::string password;
  for (;;) {
    char c;
    ssize_t n = read(STDIN_FILENO, &c, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return absl::ErrnoToStatus(errno, "read password");
    if (n == 0) {
      if (password.empty()) return absl::CancelledError("no password entered");
      break;
    }
    if (c == '\n') break;
    password.push_back(c);
  }
  if (!password.empty() && password.back() == '\r') password.pop_back();
  return password;
}

}  // namespace miniter::client
