// server_command_line.cc: parsing miniter-server's arguments against the
// settings table, and the --help text.
#include "server/app/server_command_line.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "server/app/server_settings.h"

namespace miniter::app {
namespace {

const ServerSetting* FindSetting(absl::string_view name) {
  for (const ServerSetting& setting : ServerSettings()) {
    if (setting.name == name) return &setting;
  }
  return nullptr;
}

bool IsHelp(absl::string_view arg) {
  return arg == "--help" || arg == "-help" || arg == "-h" ||
         arg == "--helpfull" || arg == "-helpfull";
}

bool IsVersion(absl::string_view arg) {
  return arg == "--version" || arg == "-version";
}

// `text` broken into lines of at most `width` columns (longer words stay
// whole), each starting with `indent`.
std::string Wrap(absl::string_view text, size_t width,
                 absl::string_view indent) {
  std::string out;
  std::string line(indent);
  for (absl::string_view word : absl::StrSplit(text, ' ', absl::SkipEmpty())) {
    if (line.size() > indent.size() && line.size() + 1 + word.size() > width) {
      absl::StrAppend(&out, line, "\n");
      line = std::string(indent);
    }
    if (line.size() > indent.size()) line += ' ';
    absl::StrAppend(&line, word);
  }
  if (line.size() > indent.size()) absl::StrAppend(&out, line, "\n");
  return out;
}

}  // namespace

absl::StatusOr<ServerCommandLine> ParseServerCommandLine(
    const std::vector<std::string>& args) {
  ServerCommandLine command_line;
  for (const std::string& arg : args) {
    if (IsHelp(arg)) {
      command_line.action = ServerCommandLine::Action::kHelp;
      return command_line;
    }
  }
  for (const std::string& arg : args) {
    if (IsVersion(arg)) {
      command_line.action = ServerCommandLine::Action::kVersion;
      return command_line;
    }
  }
  for (size_t i = 0; i < args.size(); ++i) {
    absl::string_view arg = args[i];
    if (!absl::ConsumePrefix(&arg, "--") && !absl::ConsumePrefix(&arg, "-")) {
      return absl::InvalidArgumentError(absl::StrCat(
          "unexpected argument \"", args[i],
          "\": miniter-server takes only flags (--help lists them)"));
    }
    const size_t equals = arg.find('=');
    const absl::string_view name = arg.substr(0, equals);
    const ServerSetting* setting = FindSetting(name);
    if (setting == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown flag ", args[i], " (--help lists the flags)"));
    }
    std::string value;
    if (equals != absl::string_view::npos) {
      value = std::string(arg.substr(equals + 1));
    } else if (i + 1 < args.size()) {
      value = args[++i];
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("--", name, " needs a value: --", name, "=VALUE"));
    }
    command_line.flags[std::string(name)] = std::move(value);
  }
  return command_line;
}

std::string ServerHelp() {
  std::string help =
      "Usage: miniter-server [--FLAG=VALUE]...\n"
      "Serves the miniter gRPC API (miniter.v1.Miniter). Each flag falls "
      "back to its\nenvironment variable, then to its default (README.md, "
      "\"Configuration\").\n\n";
  for (const ServerSetting& setting : ServerSettings()) {
    absl::StrAppend(&help, "  --", setting.name, "\n",
                    Wrap(setting.help, 79, "      "), "      env ", setting.env,
                    ", default ", setting.DefaultForHelp(), "\n");
  }
  absl::StrAppend(&help,
                  "  --help\n      This text.\n"
                  "  --version\n      The version and git revision.\n");
  return help;
}

}  // namespace miniter::app
