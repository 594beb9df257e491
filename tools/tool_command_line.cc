// tool_command_line.cc: --help from Abseil's flag registry, --version from
// the build's version, the rest from absl::ParseCommandLine.
#include "tools/tool_command_line.h"

#include <algorithm>
#include <cstdlib>
#include <iostream>

#include "absl/flags/commandlineflag.h"
#include "absl/flags/parse.h"
#include "absl/flags/reflection.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "server/common/build_info.h"

namespace miniter::tools {

std::string ToolHelp(absl::string_view usage, absl::string_view main_file) {
  std::vector<const absl::CommandLineFlag*> flags;
  for (const auto& [name, flag] : absl::GetAllFlags()) {
    if (absl::EndsWith(flag->Filename(), main_file)) flags.push_back(flag);
  }
  std::sort(flags.begin(), flags.end(),
            [](const absl::CommandLineFlag* a, const absl::CommandLineFlag* b) {
              return a->Name() < b->Name();
            });
  std::string help = absl::StrCat(usage, "\n\nFlags:\n");
  for (const absl::CommandLineFlag* flag : flags) {
    const std::string default_value = flag->DefaultValue();
    absl::StrAppend(&help, "  --", flag->Name(), "\n      ", flag->Help(),
                    "\n      default: ",
                    default_value.empty() ? "\"\"" : default_value, "\n");
  }
  absl::StrAppend(&help,
                  "  --help\n      This text (--helpfull: every flag linked "
                  "in).\n  --version\n      The version and git revision.\n");
  return help;
}

std::vector<char*> ParseToolCommandLine(int argc, char** argv,
                                        absl::string_view program,
                                        absl::string_view main_file,
                                        absl::string_view usage) {
  for (int i = 1; i < argc; ++i) {
    const absl::string_view arg = argv[i];
    if (arg == "--help" || arg == "-help" || arg == "-h") {
      std::cout << ToolHelp(usage, main_file);
      std::exit(0);
    }
  }
  // For what Abseil still handles itself: --version, --helpfull,
  // --help=SUBSTRING, --helpshort.
  absl::FlagsUsageConfig config;
  const std::string file(main_file);
  config.contains_help_flags = [file](absl::string_view path) {
    return absl::EndsWith(path, file);
  };
  config.contains_helpshort_flags = config.contains_help_flags;
  const std::string version = common::VersionLine(program);
  config.version_string = [version] { return absl::StrCat(version, "\n"); };
  absl::SetFlagsUsageConfig(config);
  absl::SetProgramUsageMessage(usage);
  return absl::ParseCommandLine(argc, argv);
}

}  // namespace miniter::tools
