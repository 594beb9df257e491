// password_prompt.h: reads a password from the terminal without echoing it.
#ifndef MINITER_CLIENT_PASSWORD_PROMPT_H_
#define MINITER_CLIENT_PASSWORD_PROMPT_H_

#include <string>

#include "absl/status/statusor.h"

namespace miniter::client {

// Writes `prompt` to stderr (stdout may be piped into a file or jq), turns
// echo off on stdin's terminal, reads one line and restores the terminal,
// also when the user presses Ctrl-C. The newline is not part of the result.
// FAILED_PRECONDITION when stdin is not a terminal; CANCELLED on end of input.
absl::StatusOr<std::string> PromptPasswordNoEcho(const std::string& prompt);

}  // namespace miniter::client

#endif  // MINITER_CLIENT_PASSWORD_PROMPT_H_
