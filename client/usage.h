// usage.h: the CLI's help text, written from the command table, so that
// every command and every flag it declares is listed.
#ifndef MINITER_CLIENT_USAGE_H_
#define MINITER_CLIENT_USAGE_H_

#include <string>

#include "client/command_line.h"

namespace miniter::client {

// `miniter help`: the usage line, every command with its synopsis and
// summary, every flag once (with the commands that take it, unless all do)
// and the table's footer (environment, exit status).
std::string Usage(const CommandTable& table);

// `miniter help <command>` and `miniter <command> --help`: the command's
// synopsis and summary, then its own flags and the global ones.
std::string CommandUsage(const CommandTable& table, const CLI::App& command);

}  // namespace miniter::client

#endif  // MINITER_CLIENT_USAGE_H_
