// server_command_line.h: miniter-server's arguments (the flags of the
// settings table, --help, --version) and its --help text, both driven by
// server_settings.h.
//
// The table drives the parsing, not Abseil flags or CLI11: Abseil flags are
// compile-time globals (a table cannot define them, their help cannot show
// an environment variable, and tests must write and reset them), and
// Debian 12's CLI11 (2.1.2) reads `--metrics_listen=` as a flag whose value
// is the next argument and refuses `-listen=...`, both of which
// miniter-server has always taken.
#ifndef MINITER_SERVER_APP_SERVER_COMMAND_LINE_H_
#define MINITER_SERVER_APP_SERVER_COMMAND_LINE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "server/app/server_options.h"

namespace miniter::app {

struct ServerCommandLine {
  enum class Action { kServe, kHelp, kVersion };
  Action action = Action::kServe;
  // For kServe: the flags given, by name; a repeated flag keeps its last
  // value.
  SettingValues flags;
};

// Parses the arguments after the program name. Each flag of the settings
// table as --NAME=VALUE or --NAME VALUE (one dash works too, and
// --NAME= gives the empty value); --help (also -h, --helpfull) and
// --version win over everything else. INVALID_ARGUMENT for an unknown
// flag, a flag without its value, or an argument that is no flag.
absl::StatusOr<ServerCommandLine> ParseServerCommandLine(
    const std::vector<std::string>& args);

// What --help prints: every flag with its help, its environment variable
// and its default.
std::string ServerHelp();

}  // namespace miniter::app

#endif  // MINITER_SERVER_APP_SERVER_COMMAND_LINE_H_
