// usage.cc: `miniter help` and `miniter <command> --help`, from the table.
#include "client/usage.h"

#include <map>
#include <utility>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace miniter::client {
namespace {

// "  --page_size=<n>         items per page, 1 to 100<suffix>"
void AppendFlag(const CLI::Option& flag, absl::string_view suffix,
                std::string* out) {
  const std::string spelled = CommandTable::Spelling(flag);
  const size_t pad = spelled.size() < 24 ? 24 - spelled.size() : 1;
  std::string help = flag.get_description();
  if (!flag.get_default_str().empty()) {
    absl::StrAppend(&help, " (default: ", flag.get_default_str(), ")");
  }
  absl::StrAppend(out, "  ", spelled, std::string(pad, ' '), help, suffix,
                  "\n");
}

}  // namespace

std::string Usage(const CommandTable& table) {
  const CLI::App& app = table.app();
  std::string out =
      absl::StrCat("miniter: ", app.get_description(), "\n\nUsage: miniter");
  for (const CLI::Option* flag : CommandTable::Flags(app)) {
    if (flag->get_group() == kInfoFlagGroup) continue;
    absl::StrAppend(&out, " [", CommandTable::Spelling(*flag), "]");
  }
  absl::StrAppend(&out, " <command> [args]\n\nCommands:\n");
  for (const CLI::App* command : table.Commands()) {
    absl::StrAppend(&out, "  miniter ", table.Synopsis(*command), "\n      ",
                    command->get_description(), "\n");
  }

  absl::StrAppend(&out, "\nFlags:\n");
  for (const CLI::Option* flag : CommandTable::Flags(app)) {
    AppendFlag(*flag, "", &out);
  }
  // A flag several commands take is listed once, with their names; the
  // table declares it once for all of them, so its help is the same.
  std::vector<std::string> order;
  std::map<std::string, std::pair<const CLI::Option*, std::vector<std::string>>>
      takers;
  for (const CLI::App* command : table.Commands()) {
    for (const CLI::Option* flag : CommandTable::Flags(*command)) {
      const std::string& name = flag->get_lnames().front();
      auto [it, inserted] =
          takers.try_emplace(name, flag, std::vector<std::string>());
      if (inserted) order.push_back(name);
      it->second.second.push_back(command->get_name());
    }
  }
  for (const std::string& name : order) {
    const auto& [flag, commands] = takers.at(name);
    AppendFlag(*flag, absl::StrCat(" (", absl::StrJoin(commands, ", "), ")"),
               &out);
  }
  absl::StrAppend(&out, "\n", app.get_footer());
  return out;
}

std::string CommandUsage(const CommandTable& table, const CLI::App& command) {
  std::string out =
      absl::StrCat("Usage: miniter ", table.Synopsis(command), "\n  ",
                   command.get_description(), "\n\nFlags:\n");
  for (const CLI::Option* flag : CommandTable::Flags(command)) {
    AppendFlag(*flag, "", &out);
  }
  for (const CLI::Option* flag : CommandTable::Flags(table.app())) {
    AppendFlag(*flag, "", &out);
  }
  return out;
}

}  // namespace miniter::client
