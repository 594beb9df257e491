// tool_command_line.h: the command line of the benchmark's programs
// (miniter-load, miniter-generate), whose flags are Abseil flags defined in
// their main file: absl::ParseCommandLine, with a --help that lists those
// flags and exits 0, and --version.
//
// Why not Abseil's --help alone: Debian 12's Abseil (20220623) lists only
// the flags of <program>.cc ("No flags matched." for miniter_load_main.cc)
// and exits 1 after --help.
#ifndef MINITER_TOOLS_TOOL_COMMAND_LINE_H_
#define MINITER_TOOLS_TOOL_COMMAND_LINE_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace miniter::tools {

// What --help prints: `usage`, then every flag defined in a file whose
// path ends with `main_file`, with its help and default.
std::string ToolHelp(absl::string_view usage, absl::string_view main_file);

// absl::ParseCommandLine(argc, argv), except that --help (-h, -help)
// prints ToolHelp to stdout and exits 0, and --version prints
// "<program> VERSION (git REVISION)" and exits 0. --helpfull and
// --help=SUBSTRING stay Abseil's.
std::vector<char*> ParseToolCommandLine(int argc, char** argv,
                                        absl::string_view program,
                                        absl::string_view main_file,
                                        absl::string_view usage);

}  // namespace miniter::tools

#endif  // MINITER_TOOLS_TOOL_COMMAND_LINE_H_
