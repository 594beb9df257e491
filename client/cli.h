// cli.h: the `miniter` command line as a function, so tests can run whole
// commands against a fake server and inspect what was printed.
#ifndef MINITER_CLIENT_CLI_H_
#define MINITER_CLIENT_CLI_H_

#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace miniter::client {

// Everything the CLI takes from the process, replaceable in tests.
struct CliEnvironment {
  std::istream* in = nullptr;
  std::ostream* out = nullptr;
  std::ostream* err = nullptr;
  // Returns the variable's value, nullopt when unset.
  std::function<std::optional<std::string>(const std::string&)> getenv;
  // Whether `in` is an interactive terminal (then the password is prompted
  // for with prompt_password instead of read from `in`).
  bool stdin_is_tty = false;
  std::function<absl::StatusOr<std::string>(const std::string& prompt)>
      prompt_password;
};

// The real stdin/stdout/stderr, getenv, isatty and the termios prompt.
CliEnvironment ProcessEnvironment();

// Runs `miniter <args...>` (args excludes argv[0]) and returns the exit
// status documented in exit_codes.h. Output goes to env.out, errors and
// warnings to env.err.
int RunCli(const std::vector<std::string>& args, const CliEnvironment& env);

}  // namespace miniter::client

#endif  // MINITER_CLIENT_CLI_H_
