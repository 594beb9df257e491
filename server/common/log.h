// log.h: the server's log: one JSON object per line on stderr, for every
// layer of the server (Abseil 20220623 has no absl/log). Every line has
// "time", "level" and "msg" first; call lines (api/call_record.h) add their
// fields after those. Never pass passwords, tokens or user content.
#ifndef MINITER_SERVER_COMMON_LOG_H_
#define MINITER_SERVER_COMMON_LOG_H_

#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace miniter::common {

enum class LogLevel { kInfo, kWarning, kError };

// "info", "warn" or "error": the line's "level".
absl::string_view LogLevelName(LogLevel level);

// RFC 3339 in UTC with milliseconds, "2026-11-26T12:00:00.123Z": the
// line's "time".
std::string LogTime(absl::Time time);

// {"time":"2026-11-26T12:00:00.123Z","level":"info","msg":"<message>"},
// without the line break. JSON escaping keeps line breaks inside `message`
// (e.g. from a database error text) inside the record; bytes that are not
// UTF-8 become U+FFFD.
std::string FormatLogLine(LogLevel level, absl::string_view message,
                          absl::Time time);

// Writes FormatLogLine(level, message, now) and a line break to stderr.
void LogLine(LogLevel level, absl::string_view message);
// The same at level "info".
void LogLine(absl::string_view message);

// Writes `record` (one JSON object without line breaks) and a line break
// to stderr with one write(2), so that lines from concurrent threads never
// interleave. Takes no lock.
void WriteLogRecord(std::string record);

}  // namespace miniter::common

#endif  // MINITER_SERVER_COMMON_LOG_H_
