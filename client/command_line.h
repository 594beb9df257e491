// command_line.h: turns `miniter [flags] <command> [args]` into values.
//
// Flags are absl flags (ABSL_FLAG in command_line.cc), but parsed here
// rather than by absl::ParseCommandLine, because that one exits the process
// on a bad flag (exit 1, where we promise 64) and cannot tell which flags
// were given, which we need to reject flags a subcommand does not take.
#ifndef MINITER_CLIENT_COMMAND_LINE_H_
#define MINITER_CLIENT_COMMAND_LINE_H_

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace miniter::client {

struct CommandLine {
  // The subcommand ("tweet", ...), "help" for -h/--help, "" when none.
  std::string command;
  // Positional arguments after the subcommand; everything after "--" too.
  std::vector<std::string> args;
  // Names of the flags that were given, with '-' spelled '_'.
  std::set<std::string> given;

  // Flag values (defaults when not given).
  std::string server;  // "" = not given; the CLI applies the env/default
  bool json = false;
  double deadline_seconds = 10;
  bool tls = false;
  std::string tls_ca_file;
  std::string name;
  std::string email;
  std::string password;
  std::string profile;
  std::string text;
  std::string request_id;
  uint64_t user_id = 0;
  int32_t page_size = 0;
  std::string page_token;
  bool print_token = false;
};

// Accepts flags anywhere, as --name=value, --name value, -name=value,
// --bool / --nobool, and dashes or underscores in names. An argument that
// looks like a negative number is positional, as is everything after "--".
// Errors are usage errors (see exit_codes.h). Leaves the absl flags
// themselves at their defaults, so it can be called again (tests do).
absl::StatusOr<CommandLine> ParseCommandLine(
    const std::vector<std::string>& args);

// "  --name=<string>  help text" lines for the given flags, for usage output.
std::string DescribeFlags(const std::vector<std::string>& names);

}  // namespace miniter::client

#endif  // MINITER_CLIENT_COMMAND_LINE_H_
