// exit_codes.h: how the CLI turns a failure into an exit status and an
// error line, so scripts can tell "fix your input" from "retry later".
//
//   0   success
//   1   local failure: token file, terminal or stdin could not be used
//   2   the server rejected the request: INVALID_ARGUMENT, NOT_FOUND,
//       ALREADY_EXISTS, FAILED_PRECONDITION, OUT_OF_RANGE, PERMISSION_DENIED
//   3   UNAUTHENTICATED: log in (again)
//   4   worth retrying: UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED,
//       ABORTED
//   5   the server failed: INTERNAL, UNKNOWN, DATA_LOSS, UNIMPLEMENTED,
//       CANCELLED and anything else
//   64  usage error (EX_USAGE from sysexits.h): bad subcommand or arguments
#ifndef MINITER_CLIENT_EXIT_CODES_H_
#define MINITER_CLIENT_EXIT_CODES_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace miniter::client {

enum ExitCode : int {
  kExitOk = 0,
  kExitLocalError = 1,
  kExitRejected = 2,
  kExitUnauthenticated = 3,
  kExitRetryable = 4,
  kExitServerError = 5,
  kExitUsage = 64,
};

// A status for bad command-line input; ExitCodeFor() gives kExitUsage.
absl::Status UsageError(absl::string_view message);
// Marks a failure that happened on this machine (a file, the terminal), so
// that e.g. PERMISSION_DENIED from chmod is not mistaken for the server's.
absl::Status LocalError(absl::Status status);

bool IsUsageError(const absl::Status& status);

// The exit status for `status` per the table above; kExitOk for OK.
int ExitCodeFor(const absl::Status& status);

// "ALREADY_EXISTS" etc., the names grpcurl and the proto comments use.
std::string StatusCodeName(absl::StatusCode code);

// "miniter: ALREADY_EXISTS: <message>" (usage errors: "miniter: <message>").
std::string FormatError(const absl::Status& status);

}  // namespace miniter::client

#endif  // MINITER_CLIENT_EXIT_CODES_H_
