// call_log_cost_probe.cc: what one call log line costs the thread that
// writes it: formatting alone, and formatting plus the write(2) to stderr,
// from 1 and from 2 threads at once. Prints the figures; judges nothing
// (docs/operations.md quotes them).
//
//   call_log_cost_probe [FILE]   stderr goes to FILE (default /dev/null)
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/clock.h"
#include "server/api/call_record.h"
#include "server/common/log.h"

namespace {

constexpr int kLines = 200000;

miniter::api::CallRecord TypicalRecord() {
  miniter::api::CallRecord record;
  record.method = "/miniter.v1.Miniter/Timeline";
  record.latency = absl::Microseconds(1834);
  record.peer = "ipv4:127.0.0.1:50312";
  record.user_id = 123456;
  record.trace = miniter::api::TraceContext{"4bf92f3577b34da6a3ce929d0e0e4736",
                                            "00f067aa0ba902b7", true};
  return record;
}

// Nanoseconds per line when `threads` threads each do `kLines` of `work`.
template <typename Work>
double NanosPerLine(int threads, Work work) {
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> running;
  for (int t = 0; t < threads; ++t) {
    running.emplace_back([&work] {
      miniter::api::CallRecord record = TypicalRecord();
      for (int i = 0; i < kLines; ++i) {
        record.end = absl::Now();
        work(record);
      }
    });
  }
  for (std::thread& thread : running) thread.join();
  const std::chrono::duration<double, std::nano> took =
      std::chrono::steady_clock::now() - start;
  // Wall time per line per thread: what each call pays.
  return took.count() / kLines;
}

}  // namespace

int main(int argc, char** argv) {
  const char* path = argc > 1 ? argv[1] : "/dev/null";
  const int fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0600);
  if (fd < 0) {
    std::perror(path);
    return 1;
  }
  dup2(fd, STDERR_FILENO);
  close(fd);
  const std::string sample = miniter::api::FormatCallRecord(TypicalRecord());
  std::printf("a line (%zu bytes): %s\n", sample.size() + 1, sample.c_str());
  for (int threads : {1, 2}) {
    const double format = NanosPerLine(threads, [](const auto& record) {
      std::string line = miniter::api::FormatCallRecord(record);
      if (line.empty()) std::abort();
    });
    const double write = NanosPerLine(threads, [](const auto& record) {
      miniter::common::WriteLogRecord(miniter::api::FormatCallRecord(record));
    });
    std::printf(
        "%d thread(s): format %.0f ns/line, format + write to %s %.0f "
        "ns/line\n",
        threads, format, path, write);
  }
  return 0;
}
