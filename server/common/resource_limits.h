// resource_limits.h: how much memory and how many CPUs this process may
// use, read from its cgroup (v1 or v2) and /proc, so that settings sized
// from them (how many password hashes run at once) follow the container's
// limits rather than the host's.
#ifndef MINITER_SERVER_COMMON_RESOURCE_LIMITS_H_
#define MINITER_SERVER_COMMON_RESOURCE_LIMITS_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"

namespace miniter::common {

// Reads limits from files under a root directory, "/" for the running
// process; tests hand in a fake tree. Which cgroup is the process's comes
// from <root>/proc/self/cgroup; its hierarchies are expected at the usual
// mount points: <root>/sys/fs/cgroup (v2, recognised by its
// cgroup.controllers file), else <root>/sys/fs/cgroup/memory and
// <root>/sys/fs/cgroup/cpu (or cpu,cpuacct) for v1. Every cgroup from the
// process's own up to the hierarchy's root is read and the tightest limit
// wins, since a parent's limit binds its children too. A cgroup directory
// that is not there (a container that sees only its own subtree under a
// host path) is skipped. Missing files mean "no limit". Thread-compatible;
// reads files on every call.
class ResourceLimits {
 public:
  struct Memory {
    std::uint64_t bytes = 0;
    // Where it came from, for logs: "cgroup v2 memory.max" or "MemTotal".
    std::string source;
  };
  struct Cpus {
    int count = 1;
    // "cgroup v1 CFS quota", "cgroup v2 cpu.max" or "CPU affinity".
    std::string source;
  };

  // `schedulable_cpus` is how many CPUs the process may run on (its
  // affinity mask), the cap when no quota is set.
  ResourceLimits(std::string root, int schedulable_cpus);

  // For the running process: root "/" and sched_getaffinity's count.
  static ResourceLimits OfThisProcess();

  // The cgroup's memory limit, or MemTotal of /proc/meminfo when that is
  // lower ("max", v1's near-2^63 "unlimited", or no limit set).
  // FAILED_PRECONDITION naming the file when a limit file cannot be parsed
  // or MemTotal cannot be read.
  absl::StatusOr<Memory> MemoryLimit() const;

  // The cgroup's CPU quota (quota / period) rounded down to whole CPUs, at
  // least 1, and at most the schedulable CPUs: a CPU-bound job more than
  // the quota allows would only be throttled. FAILED_PRECONDITION naming
  // the file when a quota file cannot be parsed.
  absl::StatusOr<Cpus> CpuLimit() const;

 private:
  std::string root_;
  int schedulable_cpus_;
};

}  // namespace miniter::common

#endif  // MINITER_SERVER_COMMON_RESOURCE_LIMITS_H_
