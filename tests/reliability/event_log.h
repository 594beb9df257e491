// event_log.h: the reliability drivers' log: one tab-separated line per
// event, prefixed with the time in Unix ms, appended and flushed at once so
// the file holds every line even if the driver is killed.
#ifndef MINITER_TESTS_RELIABILITY_EVENT_LOG_H_
#define MINITER_TESTS_RELIABILITY_EVENT_LOG_H_

#include <cstdio>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace miniter::reliability {

// Thread-safe.
class EventLog {
 public:
  explicit EventLog(const std::string& path)
      : file_(std::fopen(path.c_str(), "a")) {}
  ~EventLog() {
    if (file_ != nullptr) std::fclose(file_);
  }
  EventLog(const EventLog&) = delete;
  EventLog& operator=(const EventLog&) = delete;

  bool ok() const { return file_ != nullptr; }

  void Write(const std::string& fields) {
    const std::string line =
        absl::StrCat(absl::ToUnixMillis(absl::Now()), "\t", fields, "\n");
    absl::MutexLock lock(&mu_);
    std::fputs(line.c_str(), file_);
    std::fflush(file_);
  }

 private:
  absl::Mutex mu_;
  std::FILE* const file_;
};

}  // namespace miniter::reliability

#endif  // MINITER_TESTS_RELIABILITY_EVENT_LOG_H_
