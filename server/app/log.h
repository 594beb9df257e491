// log.h: one-line, timestamped messages to stderr (Abseil 20220623 has no
// absl/log). Never pass passwords or tokens.
#ifndef MINITER_SERVER_APP_LOG_H_
#define MINITER_SERVER_APP_LOG_H_

#include "absl/strings/string_view.h"

namespace miniter::app {

// Writes "2026-11-26T12:00:00.123Z miniter: <message>\n" atomically enough
// for concurrent callers (one write per line).
void LogLine(absl::string_view message);

}  // namespace miniter::app

#endif  // MINITER_SERVER_APP_LOG_H_
