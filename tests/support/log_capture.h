// log_capture.h: points this process's stderr at a temporary file for a
// test's duration, to read back what the server's log functions wrote.
#ifndef MINITER_TESTS_SUPPORT_LOG_CAPTURE_H_
#define MINITER_TESTS_SUPPORT_LOG_CAPTURE_H_

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace miniter::common {

// True for the "time" of a log line: RFC 3339 in UTC with milliseconds,
// e.g. 2026-12-07T09:39:47.123Z.
inline bool IsLogTime(const std::string& time) {
  absl::Time parsed;
  return time.size() == sizeof("2026-12-07T09:39:47.123Z") - 1 &&
         absl::ParseTime("%Y-%m-%dT%H:%M:%E3SZ", time, &parsed, nullptr);
}

class StderrCapture {
 public:
  StderrCapture() {
    path_ = ::testing::TempDir() + "miniter-stderr-XXXXXX";
    const int fd = mkstemp(path_.data());
    saved_ = dup(STDERR_FILENO);
    // O_APPEND, as a log file opened by a shell or systemd would be.
    const int appending = open(path_.c_str(), O_WRONLY | O_APPEND);
    close(fd);
    dup2(appending, STDERR_FILENO);
    close(appending);
  }
  ~StderrCapture() {
    dup2(saved_, STDERR_FILENO);
    close(saved_);
    unlink(path_.c_str());
  }
  StderrCapture(const StderrCapture&) = delete;
  StderrCapture& operator=(const StderrCapture&) = delete;

  std::string Text() const {
    std::ifstream in(path_);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }
  // Each line without its line break.
  std::vector<std::string> Lines() const {
    return absl::StrSplit(Text(), '\n', absl::SkipEmpty());
  }

 private:
  std::string path_;
  int saved_ = -1;
};

}  // namespace miniter::common

#endif  // MINITER_TESTS_SUPPORT_LOG_CAPTURE_H_
