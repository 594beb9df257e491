// process_collector.h: the standard process_* families (those of the
// Prometheus client libraries' process collectors, which prometheus-cpp
// lacks), read from /proc/self at scrape time:
//   process_cpu_seconds_total, process_resident_memory_bytes,
//   process_virtual_memory_bytes, process_open_fds, process_max_fds,
//   process_start_time_seconds.
#ifndef MINITER_SERVER_METRICS_PROCESS_COLLECTOR_H_
#define MINITER_SERVER_METRICS_PROCESS_COLLECTOR_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "prometheus/collectable.h"
#include "prometheus/metric_family.h"

namespace miniter::metrics {

// The fields of /proc/<pid>/stat that the collector exposes (proc(5)).
struct ProcStat {
  std::uint64_t utime_ticks = 0;     // field 14
  std::uint64_t stime_ticks = 0;     // field 15
  std::uint64_t start_ticks = 0;     // field 22, since boot
  std::uint64_t virtual_bytes = 0;   // field 23
  std::uint64_t resident_pages = 0;  // field 24
};

// Parses the contents of /proc/<pid>/stat. The command name (field 2) may
// hold spaces and parentheses, so the fields are counted from its last ')'.
// INVALID_ARGUMENT when the text is not of that shape.
absl::StatusOr<ProcStat> ParseProcStat(absl::string_view text);

// The boot time (seconds since the epoch) from the btime line of the
// contents of /proc/stat. INVALID_ARGUMENT when there is none.
absl::StatusOr<std::uint64_t> ParseBootTime(absl::string_view text);

// Thread-safe. A family whose source cannot be read is left out of the
// scrape rather than failing it.
class ProcessCollector final : public prometheus::Collectable {
 public:
  // `proc_root`: where /proc is ("/proc" but in tests).
  explicit ProcessCollector(std::string proc_root = "/proc");
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  const std::string proc_root_;
};

}  // namespace miniter::metrics

#endif  // MINITER_SERVER_METRICS_PROCESS_COLLECTOR_H_
