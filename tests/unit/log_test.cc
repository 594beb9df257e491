// log_test.cc: the server's log lines are JSON objects with time, level and
// msg, one per line, and lines written at once from many threads never
// interleave.
#include "server/common/log.h"

#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/support/log_capture.h"

namespace miniter::common {
namespace {

using ::testing::StartsWith;

TEST(LogTimeTest, IsRfc3339InUtcWithMilliseconds) {
  EXPECT_EQ(LogTime(absl::FromUnixMillis(1'764'468'600'123)),
            "2025-11-30T02:10:00.123Z");
  EXPECT_EQ(LogTime(absl::FromUnixSeconds(0)), "1970-01-01T00:00:00.000Z");
  // Within one second (formatted once per thread) and across seconds.
  EXPECT_EQ(LogTime(absl::FromUnixMillis(1'764'468'600'999)),
            "2025-11-30T02:10:00.999Z");
  EXPECT_EQ(LogTime(absl::FromUnixMillis(1'764'468'601'000)),
            "2025-11-30T02:10:01.000Z");
  EXPECT_EQ(LogTime(absl::FromUnixMillis(-1)), "1969-12-31T23:59:59.999Z");
}

TEST(FormatLogLineTest, HasTimeLevelAndMessageInThatOrder) {
  const std::string line =
      FormatLogLine(LogLevel::kWarning, "disk \"almost\" full",
                    absl::FromUnixMillis(1'764'468'600'123));
  EXPECT_EQ(line,
            "{\"time\":\"2025-11-30T02:10:00.123Z\",\"level\":\"warn\","
            "\"msg\":\"disk \\\"almost\\\" full\"}");
  EXPECT_EQ(LogLevelName(LogLevel::kInfo), "info");
  EXPECT_EQ(LogLevelName(LogLevel::kError), "error");
}

TEST(FormatLogLineTest, LineBreaksAndOddBytesStayInsideOneRecord) {
  const std::string message = "line one\nline two\r\t\x01 \\ \xFF\xFE end";
  const std::string line =
      FormatLogLine(LogLevel::kError, message, absl::Now());
  EXPECT_EQ(line.find('\n'), std::string::npos) << line;
  EXPECT_EQ(line.find('\r'), std::string::npos) << line;
  const nlohmann::json parsed = nlohmann::json::parse(line);
  EXPECT_EQ(parsed["level"], "error");
  // Invalid UTF-8 becomes U+FFFD; everything else survives.
  EXPECT_EQ(parsed["msg"],
            "line one\nline two\r\t\x01 \\ \xEF\xBF\xBD\xEF\xBF\xBD end");
}

TEST(LogLineTest, WritesOneParsableLineToStderr) {
  StderrCapture capture;
  LogLine("miniter-server starting (pid 7)");
  LogLine(LogLevel::kWarning, "a warning");
  const std::vector<std::string> lines = capture.Lines();
  ASSERT_EQ(lines.size(), 2u) << capture.Text();
  const nlohmann::json first = nlohmann::json::parse(lines[0]);
  EXPECT_EQ(first["level"], "info");
  EXPECT_EQ(first["msg"], "miniter-server starting (pid 7)");
  EXPECT_TRUE(IsLogTime(first["time"].get<std::string>())) << lines[0];
  EXPECT_THAT(lines[0], StartsWith("{\"time\":"));
  EXPECT_EQ(nlohmann::json::parse(lines[1])["level"], "warn");
}

TEST(LogLineTest, ConcurrentLinesNeverInterleave) {
  StderrCapture capture;
  constexpr int kThreads = 8;
  constexpr int kLinesEach = 500;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([t] {
      for (int i = 0; i < kLinesEach; ++i) {
        LogLine(absl::StrCat("thread ", t, " line ", i, " ",
                             std::string(200, 'a' + t)));
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  const std::vector<std::string> lines = capture.Lines();
  ASSERT_EQ(lines.size(), static_cast<std::size_t>(kThreads * kLinesEach));
  for (const std::string& line : lines) {
    const nlohmann::json parsed =
        nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    ASSERT_FALSE(parsed.is_discarded()) << line;
  }
}

}  // namespace
}  // namespace miniter::common
