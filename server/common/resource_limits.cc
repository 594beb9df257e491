// resource_limits.cc: cgroup v1/v2 and /proc parsing for ResourceLimits.
#include "server/common/resource_limits.h"

#include <sched.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace miniter::common {
namespace {

// The file's contents without surrounding white space; nullopt when it
// cannot be opened, which for a limit file means "no limit here".
std::optional<std::string> ReadTrimmed(const std::string& path) {
  std::ifstream file(path);
  if (!file) return std::nullopt;
  std::stringstream contents;
  contents << file.rdbuf();
  return std::string(absl::StripAsciiWhitespace(contents.str()));
}

absl::Status Malformed(const std::string& path, absl::string_view contents,
                       absl::string_view expected) {
  return absl::FailedPreconditionError(
      absl::StrCat("cannot read a limit from ", path, " (\"", contents,
                   "\"; expected ", expected, ")"));
}

class Tree {
 public:
  explicit Tree(const std::string& root)
      : root_(absl::StripSuffix(root, "/")) {}

  std::string Path(absl::string_view absolute) const {
    return absl::StrCat(root_, absolute);
  }

  bool IsCgroupV2() const {
    return std::filesystem::exists(Path("/sys/fs/cgroup/cgroup.controllers"));
  }

  // The process's cgroup in the hierarchy holding `controller` ("" for
  // v2's unified one), from /proc/self/cgroup lines "ID:CONTROLLERS:PATH";
  // "/" when the file or the line is missing.
  std::string CgroupOf(absl::string_view controller) const {
    const std::optional<std::string> lines =
        ReadTrimmed(Path("/proc/self/cgroup"));
    if (!lines.has_value()) return "/";
    for (absl::string_view line : absl::StrSplit(*lines, '\n')) {
      std::vector<absl::string_view> fields =
          absl::StrSplit(line, absl::MaxSplits(':', 2));
      if (fields.size() != 3) continue;
      bool match = controller.empty() && fields[0] == "0" && fields[1].empty();
      for (absl::string_view name : absl::StrSplit(fields[1], ',')) {
        match = match || (!controller.empty() && name == controller);
      }
      if (match) return std::string(fields[2]);
    }
    return "/";
  }

  // The cgroup directories from `cgroup` up to the hierarchy mounted at
  // `mount`, the process's own first; those not present are left out.
  std::vector<std::string> DirsUpFrom(absl::string_view mount,
                                      absl::string_view cgroup) const {
    std::vector<absl::string_view> parts =
        absl::StrSplit(cgroup, '/', absl::SkipEmpty());
    std::vector<std::string> dirs;
    for (std::size_t n = parts.size() + 1; n-- > 0;) {
      std::string dir = Path(mount);
      for (std::size_t i = 0; i < n; ++i) absl::StrAppend(&dir, "/", parts[i]);
      if (std::filesystem::is_directory(dir)) dirs.push_back(std::move(dir));
    }
    return dirs;
  }

 private:
  std::string root_;
};

// The smallest value `parse` finds in `file` of each directory; nullopt
// when none sets one.
template <typename Parse>
absl::StatusOr<std::optional<std::uint64_t>> Tightest(
    const std::vector<std::string>& dirs, absl::string_view file, Parse parse) {
  std::optional<std::uint64_t> tightest;
  for (const std::string& dir : dirs) {
    const std::string path = absl::StrCat(dir, "/", file);
    const std::optional<std::string> contents = ReadTrimmed(path);
    if (!contents.has_value()) continue;
    absl::StatusOr<std::optional<std::uint64_t>> value = parse(path, *contents);
    if (!value.ok()) return value.status();
    if (value->has_value() && (!tightest || **value < *tightest)) {
      tightest = *value;
    }
  }
  return tightest;
}

// v2 memory.max: bytes, or "max".
absl::StatusOr<std::optional<std::uint64_t>> ParseMemoryMax(
    const std::string& path, const std::string& contents) {
  if (contents == "max") return std::nullopt;
  std::uint64_t bytes = 0;
  if (!absl::SimpleAtoi(contents, &bytes)) {
    return Malformed(path, contents, "a number of bytes or \"max\"");
  }
  return bytes;
}

// v1 memory.limit_in_bytes: bytes; "unlimited" is a number near 2^63,
// which MemTotal undercuts anyway, and some kernels show -1.
absl::StatusOr<std::optional<std::uint64_t>> ParseLimitInBytes(
    const std::string& path, const std::string& contents) {
  std::int64_t bytes = 0;
  if (!absl::SimpleAtoi(contents, &bytes)) {
    return Malformed(path, contents, "a number of bytes");
  }
  if (bytes < 0) return std::nullopt;
  return static_cast<std::uint64_t>(bytes);
}

// Whole CPUs of a quota per period, at least 1.
std::uint64_t WholeCpus(std::int64_t quota, std::int64_t period) {
  return static_cast<std::uint64_t>(std::max<std::int64_t>(1, quota / period));
}

// v2 cpu.max: "QUOTA PERIOD" in microseconds, QUOTA possibly "max".
absl::StatusOr<std::optional<std::uint64_t>> ParseCpuMax(
    const std::string& path, const std::string& contents) {
  std::vector<absl::string_view> fields =
      absl::StrSplit(contents, ' ', absl::SkipWhitespace());
  std::int64_t quota = 0;
  std::int64_t period = 0;
  if (fields.size() != 2 || !absl::SimpleAtoi(fields[1], &period) ||
      period <= 0 ||
      (fields[0] != "max" &&
       (!absl::SimpleAtoi(fields[0], &quota) || quota <= 0))) {
    return Malformed(path, contents, "\"QUOTA PERIOD\" or \"max PERIOD\"");
  }
  if (fields[0] == "max") return std::nullopt;
  return WholeCpus(quota, period);
}

}  // namespace

ResourceLimits::ResourceLimits(std::string root, int schedulable_cpus)
    : root_(std::move(root)),
      schedulable_cpus_(std::max(1, schedulable_cpus)) {}

ResourceLimits ResourceLimits::OfThisProcess() {
  cpu_set_t set;
  CPU_ZERO(&set);
  int cpus = sched_getaffinity(0, sizeof set, &set) == 0
                 ? CPU_COUNT(&set)
                 : static_cast<int>(std::thread::hardware_concurrency());
  return ResourceLimits("/", cpus);
}

absl::StatusOr<ResourceLimits::Memory> ResourceLimits::MemoryLimit() const {
  const Tree tree(root_);
  absl::StatusOr<std::optional<std::uint64_t>> limit;
  std::string source;
  if (tree.IsCgroupV2()) {
    limit = Tightest(tree.DirsUpFrom("/sys/fs/cgroup", tree.CgroupOf("")),
                     "memory.max", ParseMemoryMax);
    source = "cgroup v2 memory.max";
  } else {
    limit = Tightest(
        tree.DirsUpFrom("/sys/fs/cgroup/memory", tree.CgroupOf("memory")),
        "memory.limit_in_bytes", ParseLimitInBytes);
    source = "cgroup v1 memory.limit_in_bytes";
  }
  if (!limit.ok()) return limit.status();

  // "MemTotal:       24684084 kB"
  const std::string meminfo_path = tree.Path("/proc/meminfo");
  const std::optional<std::string> meminfo = ReadTrimmed(meminfo_path);
  std::optional<std::uint64_t> total;
  if (meminfo.has_value()) {
    for (absl::string_view line : absl::StrSplit(*meminfo, '\n')) {
      if (!absl::ConsumePrefix(&line, "MemTotal:")) continue;
      std::uint64_t kib = 0;
      if (absl::ConsumeSuffix(&line, "kB") &&
          absl::SimpleAtoi(absl::StripAsciiWhitespace(line), &kib)) {
        total = kib * 1024;
      }
      break;
    }
  }
  if (!total.has_value()) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot read MemTotal from ", meminfo_path));
  }
  if (limit->has_value() && **limit < *total) return Memory{**limit, source};
  return Memory{*total, "MemTotal"};
}

absl::StatusOr<ResourceLimits::Cpus> ResourceLimits::CpuLimit() const {
  const Tree tree(root_);
  absl::StatusOr<std::optional<std::uint64_t>> quota;
  std::string source;
  if (tree.IsCgroupV2()) {
    quota = Tightest(tree.DirsUpFrom("/sys/fs/cgroup", tree.CgroupOf("")),
                     "cpu.max", ParseCpuMax);
    source = "cgroup v2 cpu.max";
  } else {
    // The cpu controller is mounted alone or together with cpuacct.
    std::string mount = "/sys/fs/cgroup/cpu";
    if (!std::filesystem::is_directory(tree.Path(mount))) {
      mount = "/sys/fs/cgroup/cpu,cpuacct";
    }
    std::vector<std::string> dirs =
        tree.DirsUpFrom(mount, tree.CgroupOf("cpu"));
    // The quota needs its period from the same directory.
    quota = Tightest(
        dirs, "cpu.cfs_quota_us",
        [](const std::string& path, const std::string& contents)
            -> absl::StatusOr<std::optional<std::uint64_t>> {
          std::int64_t quota_us = 0;
          if (!absl::SimpleAtoi(contents, &quota_us) || quota_us == 0 ||
              quota_us < -1) {
            return Malformed(path, contents, "microseconds or -1");
          }
          if (quota_us == -1) return std::nullopt;
          const std::string period_path = absl::StrCat(
              absl::StripSuffix(path, "cpu.cfs_quota_us"), "cpu.cfs_period_us");
          const std::optional<std::string> period_text =
              ReadTrimmed(period_path);
          std::int64_t period_us = 0;
          if (!period_text.has_value() ||
              !absl::SimpleAtoi(*period_text, &period_us) || period_us <= 0) {
            return Malformed(period_path, period_text.value_or(""),
                             "a positive number of microseconds");
          }
          return WholeCpus(quota_us, period_us);
        });
    source = "cgroup v1 CFS quota";
  }
  if (!quota.ok()) return quota.status();
  if (quota->has_value() &&
      **quota < static_cast<std::uint64_t>(schedulable_cpus_)) {
    return Cpus{static_cast<int>(**quota), source};
  }
  return Cpus{schedulable_cpus_, "CPU affinity"};
}

}  // namespace miniter::common
