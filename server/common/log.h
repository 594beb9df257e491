// log.h: one-line, timestamped messages to stderr, for every layer of the
// server (Abseil 20220623 has no absl/log). Never pass passwords or tokens.
#ifndef MINITER_SERVER_COMMON_LOG_H_
#define MINITER_SERVER_COMMON_LOG_H_

#include "absl/strings/string_view.h"

namespace miniter::common {

// Writes "2026-11-26T12:00:00.123Z miniter: <message>\n" with one write(2),
// so lines from concurrent threads never interleave. Line breaks inside
// `message` (e.g. from a database error text) become spaces, keeping one
// record per line for log collectors.
void LogLine(absl::string_view message);

}  // namespace miniter::common

#endif  // MINITER_SERVER_COMMON_LOG_H_
