// process_collector.cc: reading /proc/self for the process_* families.
#include "server/metrics/process_collector.h"

#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "server/metrics/families.h"

namespace miniter::metrics {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

// A family of one sample without labels.
prometheus::MetricFamily One(const char* name, const char* help,
                             prometheus::MetricType type, double value) {
  prometheus::MetricFamily family = NewFamily(name, help, type);
  AddSample(family, {}, value);
  return family;
}

prometheus::MetricFamily Gauge(const char* name, const char* help,
                               double value) {
  return One(name, help, prometheus::MetricType::Gauge, value);
}

}  // namespace

absl::StatusOr<ProcStat> ParseProcStat(absl::string_view text) {
  const std::size_t name_end = text.rfind(')');
  if (name_end == absl::string_view::npos) {
    return absl::InvalidArgumentError("no ')' after the command name");
  }
  // Field 3 (state) onwards.
  const std::vector<absl::string_view> fields =
      absl::StrSplit(text.substr(name_end + 1), ' ', absl::SkipWhitespace());
  auto field = [&](int number, std::uint64_t* out) {
    const std::size_t index = static_cast<std::size_t>(number - 3);
    return index < fields.size() &&
           absl::SimpleAtoi(absl::StripAsciiWhitespace(fields[index]), out);
  };
  ProcStat stat;
  if (!field(14, &stat.utime_ticks) || !field(15, &stat.stime_ticks) ||
      !field(22, &stat.start_ticks) || !field(23, &stat.virtual_bytes) ||
      !field(24, &stat.resident_pages)) {
    return absl::InvalidArgumentError(
        "fields 14, 15, 22, 23 or 24 missing or not numbers");
  }
  return stat;
}

absl::StatusOr<std::uint64_t> ParseBootTime(absl::string_view text) {
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (absl::ConsumePrefix(&line, "btime ")) {
      std::uint64_t seconds = 0;
      if (absl::SimpleAtoi(absl::StripAsciiWhitespace(line), &seconds)) {
        return seconds;
      }
    }
  }
  return absl::InvalidArgumentError("no btime line");
}

ProcessCollector::ProcessCollector(std::string proc_root)
    : proc_root_(std::move(proc_root)) {}

std::vector<prometheus::MetricFamily> ProcessCollector::Collect() const {
  std::vector<prometheus::MetricFamily> families;
  const double ticks_per_second = static_cast<double>(sysconf(_SC_CLK_TCK));
  absl::StatusOr<ProcStat> stat =
      ParseProcStat(ReadFile(absl::StrCat(proc_root_, "/self/stat")));
  if (stat.ok()) {
    families.push_back(Gauge("process_resident_memory_bytes",
                             "Resident memory size in bytes.",
                             static_cast<double>(stat->resident_pages) *
                                 static_cast<double>(sysconf(_SC_PAGESIZE))));
    families.push_back(Gauge("process_virtual_memory_bytes",
                             "Virtual memory size in bytes.",
                             static_cast<double>(stat->virtual_bytes)));
    families.push_back(
        One("process_cpu_seconds_total",
            "User and system CPU time spent, in seconds.",
            prometheus::MetricType::Counter,
            static_cast<double>(stat->utime_ticks + stat->stime_ticks) /
                ticks_per_second));
    absl::StatusOr<std::uint64_t> boot =
        ParseBootTime(ReadFile(absl::StrCat(proc_root_, "/stat")));
    if (boot.ok()) {
      families.push_back(
          Gauge("process_start_time_seconds",
                "Start time of the process since the Unix epoch, in seconds.",
                static_cast<double>(*boot) +
                    static_cast<double>(stat->start_ticks) / ticks_per_second));
    }
  }
  // The iterator's own descriptor is among those counted, as in every
  // client library's collector.
  std::error_code error;
  double open = 0;
  for (std::filesystem::directory_iterator it(
           absl::StrCat(proc_root_, "/self/fd"), error);
       !error && it != std::filesystem::directory_iterator();
       it.increment(error)) {
    ++open;
  }
  if (!error) {
    families.push_back(
        Gauge("process_open_fds", "Number of open file descriptors.", open));
  }
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 &&
      limit.rlim_cur != RLIM_INFINITY) {
    families.push_back(Gauge("process_max_fds",
                             "Maximum number of open file descriptors.",
                             static_cast<double>(limit.rlim_cur)));
  }
  return families;
}

}  // namespace miniter::metrics
