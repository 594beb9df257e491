// command_line.h: the `miniter` command table and the parser built on it.
//
// One CLI11 App declares every command (its synopsis and summary) and every
// flag (name, value placeholder, help, which commands take it). Parsing,
// `miniter help`, `miniter <command> --help` (usage.h) and the bash
// completion script (bash_completion.h) all read that one table, so a flag
// added to it shows up everywhere at once.
//
// The grammar is the one the CLI has always had: flags anywhere (a command's
// own flags also before the command), --name=value or --name value, -name as
// well as --name, dashes or underscores in names, --bool / --nobool, and an
// argument that looks like a negative number is positional, as is
// everything after "--".
#ifndef MINITER_CLIENT_COMMAND_LINE_H_
#define MINITER_CLIENT_COMMAND_LINE_H_

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace CLI {
class App;
class Option;
}  // namespace CLI

namespace miniter::client {

struct CommandLine {
  // The command ("tweet", ...), "help" for -h/--help, "" when none.
  std::string command;
  // Positional arguments after the command; everything after "--" too.
  std::vector<std::string> args;
  // Names of the flags that were given, with '-' spelled '_'.
  std::set<std::string> given;

  // Flag values (defaults when not given).
  bool version = false;
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
  std::string resume_cursor;
  bool print_token = false;
};

// The option group of the flags that print something and exit (--help,
// --version); the usage line leaves them out.
inline constexpr char kInfoFlagGroup[] = "Information";
// Value placeholders that bash completion knows how to complete.
inline constexpr char kCommandPlaceholder[] = "<command>";
inline constexpr char kShellPlaceholder[] = "<shell>";
inline constexpr char kFilePlaceholder[] = "<file>";

class CommandTable {
 public:
  CommandTable();
  ~CommandTable();
  CommandTable(const CommandTable&) = delete;
  CommandTable& operator=(const CommandTable&) = delete;

  // The main App: its options are the global flags, its subcommands the
  // commands. Positional options (a command's arguments) have an empty group.
  const CLI::App& app() const { return *app_; }

  // The commands in the order help lists them.
  std::vector<const CLI::App*> Commands() const;
  // nullptr when there is no such command.
  const CLI::App* FindCommand(absl::string_view name) const;
  // What follows "miniter " in the command's usage line, e.g.
  // "follow <user_id> | --user_id=<n>".
  const std::string& Synopsis(const CLI::App& command) const;
  // The flags (not the positional arguments) of `app` (a command or the
  // main App), in table order.
  static std::vector<const CLI::Option*> Flags(const CLI::App& app);
  // "--page_size=<n>", "--json", "-h, --help".
  static std::string Spelling(const CLI::Option& flag);

  // Parses `args` (argv without argv[0]). Errors are usage errors (see
  // exit_codes.h). Call once per table: the values are bound to it.
  absl::StatusOr<CommandLine> Parse(const std::vector<std::string>& args);
  // The command the last Parse() got to, even when it failed; nullptr if
  // none.
  const CLI::App* ParsedCommand() const;

 private:
  // Rewrites args into the one spelling CLI11 is given: --name=value.
  absl::StatusOr<std::vector<std::string>> Normalize(
      const std::vector<std::string>& args) const;
  // The option spelled --`name` on the main App or any command.
  const CLI::Option* FindFlag(absl::string_view name) const;
  // The usage error for an argument CLI11 did not take.
  absl::Status NotTaken(const std::string& arg) const;

  CommandLine values_;
  bool help_ = false;
  std::unique_ptr<CLI::App> app_;
  std::map<std::string, std::string> synopses_;
};

// CommandTable().Parse(args).
absl::StatusOr<CommandLine> ParseCommandLine(
    const std::vector<std::string>& args);

}  // namespace miniter::client

#endif  // MINITER_CLIENT_COMMAND_LINE_H_
