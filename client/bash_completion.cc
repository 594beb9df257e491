// bash_completion.cc: writes the bash completion script from the table.
#include "client/bash_completion.h"

#include <algorithm>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace miniter::client {
namespace {

// The words bash offers for `flag`: "--json", "--server=".
std::string Offered(const CLI::Option& flag) {
  std::string out = absl::StrCat("--", flag.get_lnames().front());
  if (flag.get_items_expected_max() > 0) out.push_back('=');
  return out;
}

std::string OfferedFlags(const CLI::App& app) {
  std::vector<std::string> words;
  for (const CLI::Option* flag : CommandTable::Flags(app)) {
    words.push_back(Offered(*flag));
  }
  return absl::StrJoin(words, " ");
}

// The placeholder of a command's positional arguments, "" if it takes none.
std::string ArgumentPlaceholder(const CLI::App& command) {
  const std::vector<const CLI::Option*> positional = command.get_options(
      [](const CLI::Option* option) { return !option->nonpositional(); });
  return positional.empty() ? std::string()
                            : positional.front()->get_type_name();
}

}  // namespace

std::string BashCompletionScript(const CommandTable& table) {
  std::vector<std::string> command_names;
  for (const CLI::App* command : table.Commands()) {
    command_names.push_back(command->get_name());
  }
  // Flags whose value is the next word (or follows "="), and those whose
  // value is a file name.
  std::vector<std::string> value_flags;
  std::vector<std::string> file_flags;
  std::vector<const CLI::Option*> all_flags = CommandTable::Flags(table.app());
  for (const CLI::App* command : table.Commands()) {
    for (const CLI::Option* flag : CommandTable::Flags(*command)) {
      all_flags.push_back(flag);
    }
  }
  for (const CLI::Option* flag : all_flags) {
    if (flag->get_items_expected_max() == 0) continue;
    const std::string name = absl::StrCat("--", flag->get_lnames().front());
    // A flag several commands take (--email) is listed once.
    if (std::find(value_flags.begin(), value_flags.end(), name) !=
        value_flags.end()) {
      continue;
    }
    value_flags.push_back(name);
    if (flag->get_type_name() == kFilePlaceholder) file_flags.push_back(name);
  }

  std::string out = absl::StrCat(
      "# bash completion for miniter, the miniter service's command-line\n"
      "# client. Written by `miniter completion bash` from the CLI's command\n"
      "# table (client/command_line.cc); do not edit. Installed as\n"
      "# share/bash-completion/completions/miniter, or load it by hand:\n"
      "#   source <(miniter completion bash)\n"
      "_miniter() {\n"
      "  local cur=${COMP_WORDS[COMP_CWORD]} prev=\n"
      "  (( COMP_CWORD > 0 )) && prev=${COMP_WORDS[COMP_CWORD-1]}\n"
      "  local commands='",
      absl::StrJoin(command_names, " "),
      "'\n"
      "  local global='",
      OfferedFlags(table.app()),
      "'\n"
      "  local value_flags=' ",
      absl::StrJoin(value_flags, " "),
      " '\n"
      "\n"
      "  # A flag's value: bash splits \"--flag=value\" into \"--flag\" \"=\"\n"
      "  # \"value\" unless COMP_WORDBREAKS lacks '=', and \"host:port\" into\n"
      "  # \"host\" \":\" \"port\".\n"
      "  local flag= prefix=\n"
      "  if [[ $cur == : || $prev == : ]]; then\n"
      "    COMPREPLY=()\n"
      "    return 0\n"
      "  elif [[ $cur == = ]]; then\n"
      "    flag=$prev cur=\n"
      "  elif [[ $prev == = ]] && (( COMP_CWORD > 1 )); then\n"
      "    flag=${COMP_WORDS[COMP_CWORD-2]}\n"
      "  elif [[ $cur == --*=* ]]; then\n"
      "    flag=${cur%%=*} prefix=${cur%%=*}= cur=${cur#*=}\n"
      "  elif [[ $value_flags == *\" $prev \"* ]]; then\n"
      "    flag=$prev\n"
      "  fi\n"
      "  if [[ -n $flag ]]; then\n"
      "    case $flag in\n");
  if (!file_flags.empty()) {
    absl::StrAppend(
        &out, "      ", absl::StrJoin(file_flags, "|"),
        ")\n"
        "        mapfile -t COMPREPLY < <(compgen -f -P \"$prefix\" "
        "-- \"$cur\") ;;\n");
  }
  absl::StrAppend(
      &out,
      "      *) COMPREPLY=() ;;\n"
      "    esac\n"
      "    return 0\n"
      "  fi\n"
      "\n"
      "  # The command: the first word that is neither a flag nor a value.\n"
      "  local command= word i=1\n"
      "  while (( i < COMP_CWORD )); do\n"
      "    word=${COMP_WORDS[i]}\n"
      "    if [[ $word == = || $word == : ]]; then\n"
      "      i=$((i + 2))\n"
      "      continue\n"
      "    elif [[ $word == -?* ]]; then\n"
      "      if [[ $value_flags == *\" $word \"* &&\n"
      "            ${COMP_WORDS[i+1]-} != = ]]; then\n"
      "        i=$((i + 1))\n"
      "      fi\n"
      "    else\n"
      "      command=$word\n"
      "      break\n"
      "    fi\n"
      "    i=$((i + 1))\n"
      "  done\n"
      "\n"
      "  local flags= args=\n"
      "  case $command in\n"
      "    '') args=$commands ;;\n");
  for (const CLI::App* command : table.Commands()) {
    const std::string placeholder = ArgumentPlaceholder(*command);
    std::string args;
    if (placeholder == kCommandPlaceholder) {
      args = "$commands";
    } else if (placeholder == kShellPlaceholder) {
      args = "bash";
    }
    absl::StrAppend(&out, "    ", command->get_name(), ") flags='",
                    OfferedFlags(*command), "' args=", args.empty() ? "" : "\"",
                    args, args.empty() ? "" : "\"", " ;;\n");
  }
  absl::StrAppend(
      &out,
      "  esac\n"
      "  local words=$args\n"
      "  [[ $cur == -* ]] && words=\"$flags $global\"\n"
      "  COMPREPLY=($(compgen -W \"$words\" -- \"$cur\"))\n"
      "  # \"--server=\": the value follows without a space.\n"
      "  [[ ${COMPREPLY[0]-} == *= ]] && compopt -o nospace 2>/dev/null\n"
      "  return 0\n"
      "}\n"
      "complete -F _miniter miniter\n");
  return out;
}

}  // namespace miniter::client
