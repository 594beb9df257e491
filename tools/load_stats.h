// load_stats.h: the small pieces miniter-load's subcommands share: latency
// percentiles as JSON, gRPC status code names, JSON string escaping, reading
// workload and id files, and writing a result file.
#ifndef MINITER_TOOLS_LOAD_STATS_H_
#define MINITER_TOOLS_LOAD_STATS_H_

#include <cstdint>
#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace miniter::tools {

// {"p50": .., "p90": .., "p99": .., "p999": .., "max": .., "mean": ..} in
// milliseconds, or "null" for no samples. Sorts `ns`.
std::string LatencyJson(std::vector<std::int64_t>& ns);

// The p-quantile (0..1) of sorted nanoseconds, in milliseconds (0 if empty).
double QuantileMs(const std::vector<std::int64_t>& sorted_ns, double q);

// {"CODE": n, ...}
std::string ErrorsJson(const std::map<std::string, std::int64_t>& errors);

// "OK", "UNAVAILABLE", ... for a grpc::StatusCode value.
std::string StatusCodeName(int code);

// `s` with quotes and backslashes escaped and control characters blanked.
std::string JsonEscape(const std::string& s);

// The first tab-separated column of every non-empty line, as ids
// (workload, user-id and token files all start with the user id).
absl::StatusOr<std::vector<std::uint64_t>> ReadIdColumn(
    const std::string& path);

// CPU seconds (user + system, all threads) process `pid` has used so far,
// from /proc/PID/stat; nullopt when it cannot be read.
std::optional<double> ProcessCpuSeconds(int pid);

// Writes `text` to `path` (stdout when empty).
absl::Status WriteTextFile(const std::string& path, const std::string& text);

}  // namespace miniter::tools

#endif  // MINITER_TOOLS_LOAD_STATS_H_
