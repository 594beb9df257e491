// exit_codes.cc: failure → exit status and error line.
#include "client/exit_codes.h"

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"

namespace miniter::client {
namespace {

// Where a failure came from travels as a status payload, so it survives
// being passed up through code that only knows absl::Status.
constexpr char kOriginUrl[] = "type.miniter.dev/cli.origin";

absl::Status WithOrigin(absl::Status status, absl::string_view origin) {
  if (!status.ok()) status.SetPayload(kOriginUrl, absl::Cord(origin));
  return status;
}

bool HasOrigin(const absl::Status& status, absl::string_view origin) {
  absl::optional<absl::Cord> payload = status.GetPayload(kOriginUrl);
  return payload.has_value() && *payload == origin;
}

}  // namespace

absl::Status UsageError(absl::string_view message) {
  return WithOrigin(absl::InvalidArgumentError(message), "usage");
}

absl::Status LocalError(absl::Status status) {
  return WithOrigin(std::move(status), "local");
}

bool IsUsageError(const absl::Status& status) {
  return HasOrigin(status, "usage");
}

int ExitCodeFor(const absl::Status& status) {
  if (status.ok()) return kExitOk;
  if (HasOrigin(status, "usage")) return kExitUsage;
  if (HasOrigin(status, "local")) return kExitLocalError;
  switch (status.code()) {
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kNotFound:
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kOutOfRange:
    case absl::StatusCode::kPermissionDenied: return kExitRejected;
    case absl::StatusCode::kUnauthenticated: return kExitUnauthenticated;
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded:
    case absl::StatusCode::kResourceExhausted:
    case absl::StatusCode::kAborted: return kExitRetryable;
    default: return kExitServerError;
  }
}

std::string StatusCodeName(absl::StatusCode code) {
  // absl spells the canonical names exactly as gRPC does ("ALREADY_EXISTS").
  return absl::StatusCodeToString(code);
}

std::string FormatError(const absl::Status& status) {
  if (IsUsageError(status)) return absl::StrCat("miniter: ", status.message());
  return absl::StrCat("miniter: ", StatusCodeName(status.code()), ": ",
                      status.message());
}

}  // namespace miniter::client
