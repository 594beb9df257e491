// mysql_error.cc: MySQL/MariaDB error -> absl::Status (see mysql_error.h).
#include "server/storage/mysql/mysql_error.h"

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "server/common/log.h"
#include "server/storage/mysql/mysql_error_codes.h"

namespace miniter::storage::mysql {
namespace {

bool IsConnectionErrorCode(int code) {
  switch (code) {
    case kCrConnectionError:
    case kCrConnHostError:
    case kCrUnknownHost:
    case kCrServerGoneError:
    case kCrServerLost:
    case kCrServerLostExtended:
    case kErrConnectionKilled:
    case kErrServerShutdown: return true;
    default:
      // The rest of the client range 2000-2999 (e.g. 2026 TLS, 2048
      // protocol mismatch) also means the session is unusable.
      return code >= 2000 && code < 3000;
  }
}

}  // namespace

bool IsConnectionError(int error_code, absl::string_view sql_state,
                       absl::string_view message) {
  if (IsConnectionErrorCode(error_code)) return true;
  if (absl::StartsWith(sql_state, "08")) return true;
  // Connector/C++ raises these itself with code 0 and no SQLSTATE once it
  // has noticed the connection is gone.
  // (This Abseil has no StrContainsIgnoreCase.)
  const std::string lower = absl::AsciiStrToLower(message);
  return absl::StrContains(lower, "gone away") ||
         absl::StrContains(lower, "lost connection") ||
         absl::StrContains(lower, "connection has been closed") ||
         absl::StrContains(lower, "can't connect");
}

absl::Status MapSqlError(int error_code, absl::string_view sql_state,
                         absl::string_view message,
                         absl::string_view operation) {
  absl::Status status;
  switch (error_code) {
    case kErrDupEntry:
    case kErrDupEntryWithKeyName:
      // Expected in normal operation; the store adds a precise message.
      return absl::AlreadyExistsError("already exists");
    case kErrNoReferencedRow: return absl::NotFoundError("user not found");
    case kErrLockWaitTimeout:
    case kErrDeadlock:
      status = absl::AbortedError("database conflict; try again");
      break;
    case kErrStatementTimeout:
    case kErrMaxExecutionTime:
      status = absl::DeadlineExceededError("database did not answer in time");
      break;
    case kErrQueryInterrupted:
    case kErrTooManyConnections:
    case kErrDbAccessDenied:
    case kErrAccessDenied:
    case kErrUnknownDatabase:
      status = absl::UnavailableError("database unavailable");
      break;
    default:
      if (sql_state == "40001") {
        status = absl::AbortedError("database conflict; try again");
      } else if (IsConnectionError(error_code, sql_state, message)) {
        status = absl::UnavailableError("database unavailable");
      } else {
        status = absl::InternalError("internal storage error");
      }
  }
  LogStorageLine(absl::StrCat(operation, ": error ", error_code, " (SQLSTATE ",
                              sql_state.empty() ? "none" : sql_state,
                              "): ", message, " -> ",
                              absl::StatusCodeToString(status.code())));
  return status;
}

void LogStorageLine(absl::string_view line) {
  common::LogLine(absl::StrCat("storage: ", line));
}

}  // namespace miniter::storage::mysql
