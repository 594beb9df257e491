// bash_completion.h: the bash completion script of `miniter`, written from
// the command table, so it offers exactly the commands and flags that the
// parser takes. `miniter completion bash` prints it; the build writes it to
// share/bash-completion/completions/miniter (client/CMakeLists.txt).
#ifndef MINITER_CLIENT_BASH_COMPLETION_H_
#define MINITER_CLIENT_BASH_COMPLETION_H_

#include <string>

#include "client/command_line.h"

namespace miniter::client {

// A bash script defining _miniter and registering it with `complete`. It
// completes command names, each command's flags and the global ones (a
// flag that takes a value as "--name=", without the trailing space), file
// names for <file> values, and command names after `help`. It works with
// or without the bash-completion package (COMP_WORDBREAKS with or without
// '=').
std::string BashCompletionScript(const CommandTable& table);

}  // namespace miniter::client

#endif  // MINITER_CLIENT_BASH_COMPLETION_H_
