// log.cc: stderr logging for the server process, as JSON lines
// (nlohmann-json from Debian does the escaping).
#include "server/common/log.h"

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "nlohmann/json.hpp"

namespace miniter::common {

absl::string_view LogLevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kInfo: return "info";
    case LogLevel::kWarning: return "warn";
    case LogLevel::kError: return "error";
  }
  return "info";
}

std::string LogTime(absl::Time time) {
  // absl::FormatTime goes through the time zone machinery (about a
  // microsecond); with a line per call, each thread formats a second once
  // and adds the milliseconds itself.
  thread_local std::int64_t cached_second = INT64_MIN;
  thread_local std::string cached_prefix;  // "2026-11-30T02:10:00"
  const std::int64_t millis = absl::ToUnixMillis(time);
  std::int64_t second = millis / 1000;
  std::int64_t milli = millis % 1000;
  if (milli < 0) {
    milli += 1000;
    --second;
  }
  if (second != cached_second) {
    cached_prefix =
        absl::FormatTime("%Y-%m-%dT%H:%M:%S", absl::FromUnixSeconds(second),
                         absl::UTCTimeZone());
    cached_second = second;
  }
  char tail[8];
  std::snprintf(tail, sizeof tail, ".%03dZ", static_cast<int>(milli));
  return absl::StrCat(cached_prefix, tail);
}

std::string FormatLogLine(LogLevel level, absl::string_view message,
                          absl::Time time) {
  // ordered_json keeps "time", "level", "msg" in this order, which is what
  // a person reading the raw log expects.
  nlohmann::ordered_json line;
  line["time"] = LogTime(time);
  const absl::string_view level_name = LogLevelName(level);
  line["level"] = std::string_view(level_name.data(), level_name.size());
  line["msg"] = std::string_view(message.data(), message.size());
  // `replace`: a database error text with stray bytes must not throw.
  return line.dump(-1, ' ', false,
                   nlohmann::ordered_json::error_handler_t::replace);
}

void LogLine(LogLevel level, absl::string_view message) {
  WriteLogRecord(FormatLogLine(level, message, absl::Now()));
}

void LogLine(absl::string_view message) { LogLine(LogLevel::kInfo, message); }

void WriteLogRecord(std::string record) {
  record.push_back('\n');
  [[maybe_unused]] ssize_t written =
      write(STDERR_FILENO, record.data(), record.size());
}

}  // namespace miniter::common
