// resource_limits_test.cc: memory and CPU limits read from fake cgroup v1
// and v2 trees: limits set, set on a parent, unlimited, absent, and
// malformed.
#include "server/common/resource_limits.h"

#include <filesystem>
#include <fstream>
#include <string>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "tests/client/temp_dir.h"

namespace miniter::common {
namespace {

constexpr std::uint64_t kGiB = 1ull << 30;
// MemTotal of every fake machine: 16 GiB.
constexpr char kMeminfo[] =
    "MemTotal:       16777216 kB\nMemFree:         1000000 kB\n";

class ResourceLimitsTest : public ::testing::Test {
 protected:
  // Writes `contents` at `path` (absolute, as the kernel shows it) under
  // the fake root.
  void Write(const std::string& path, const std::string& contents) {
    const std::filesystem::path file = dir_.path() + path;
    std::filesystem::create_directories(file.parent_path());
    std::ofstream(file) << contents;
  }
  void MakeDir(const std::string& path) {
    std::filesystem::create_directories(dir_.path() + path);
  }
  void MakeV2(const std::string& own_cgroup) {
    Write("/proc/meminfo", kMeminfo);
    Write("/proc/self/cgroup", "0::" + own_cgroup + "\n");
    Write("/sys/fs/cgroup/cgroup.controllers", "cpuset cpu io memory pids\n");
    MakeDir("/sys/fs/cgroup" + own_cgroup);
  }
  ResourceLimits Limits(int schedulable_cpus) const {
    return ResourceLimits(dir_.path(), schedulable_cpus);
  }

  client::testing::TempDir dir_;
};

TEST_F(ResourceLimitsTest, V2LimitsOfTheOwnCgroup) {
  MakeV2("/kubepods/pod1");
  Write("/sys/fs/cgroup/kubepods/pod1/memory.max", "1073741824\n");
  Write("/sys/fs/cgroup/kubepods/pod1/cpu.max", "150000 100000\n");
  absl::StatusOr<ResourceLimits::Memory> memory = Limits(8).MemoryLimit();
  ASSERT_TRUE(memory.ok()) << memory.status();
  EXPECT_EQ(memory->bytes, kGiB);
  EXPECT_EQ(memory->source, "cgroup v2 memory.max");
  absl::StatusOr<ResourceLimits::Cpus> cpus = Limits(8).CpuLimit();
  ASSERT_TRUE(cpus.ok()) << cpus.status();
  // 1.5 CPUs of quota: a second CPU-bound job would only be throttled.
  EXPECT_EQ(cpus->count, 1);
  EXPECT_EQ(cpus->source, "cgroup v2 cpu.max");
}

TEST_F(ResourceLimitsTest, V2AParentsTighterLimitWins) {
  MakeV2("/kubepods/pod1");
  Write("/sys/fs/cgroup/kubepods/memory.max", "536870912");
  Write("/sys/fs/cgroup/kubepods/pod1/memory.max", "max");
  Write("/sys/fs/cgroup/kubepods/cpu.max", "300000 100000");
  Write("/sys/fs/cgroup/kubepods/pod1/cpu.max", "800000 100000");
  EXPECT_EQ(Limits(16).MemoryLimit()->bytes, kGiB / 2);
  EXPECT_EQ(Limits(16).CpuLimit()->count, 3);
}

TEST_F(ResourceLimitsTest, V2UnlimitedFallsBackToMemTotalAndAffinity) {
  MakeV2("/user.slice");
  Write("/sys/fs/cgroup/user.slice/memory.max", "max\n");
  Write("/sys/fs/cgroup/user.slice/cpu.max", "max 100000\n");
  absl::StatusOr<ResourceLimits::Memory> memory = Limits(6).MemoryLimit();
  ASSERT_TRUE(memory.ok()) << memory.status();
  EXPECT_EQ(memory->bytes, 16 * kGiB);
  EXPECT_EQ(memory->source, "MemTotal");
  absl::StatusOr<ResourceLimits::Cpus> cpus = Limits(6).CpuLimit();
  ASSERT_TRUE(cpus.ok()) << cpus.status();
  EXPECT_EQ(cpus->count, 6);
  EXPECT_EQ(cpus->source, "CPU affinity");
}

TEST_F(ResourceLimitsTest, ALimitAboveTheMachineIsTheMachine) {
  MakeV2("/");
  Write("/sys/fs/cgroup/memory.max", std::to_string(64 * kGiB));
  Write("/sys/fs/cgroup/cpu.max", "1600000 100000");
  EXPECT_EQ(Limits(4).MemoryLimit()->bytes, 16 * kGiB);
  EXPECT_EQ(Limits(4).MemoryLimit()->source, "MemTotal");
  EXPECT_EQ(Limits(4).CpuLimit()->count, 4);
}

TEST_F(ResourceLimitsTest, V1LimitsWithCpuMountedWithCpuacct) {
  Write("/proc/meminfo", kMeminfo);
  Write("/proc/self/cgroup",
        "12:pids:/docker/abc\n4:memory:/docker/abc\n"
        "2:cpu,cpuacct:/docker/abc\n1:name=systemd:/docker/abc\n0::/\n");
  Write("/sys/fs/cgroup/memory/docker/abc/memory.limit_in_bytes",
        "268435456\n");
  Write("/sys/fs/cgroup/cpu,cpuacct/docker/abc/cpu.cfs_quota_us", "200000\n");
  Write("/sys/fs/cgroup/cpu,cpuacct/docker/abc/cpu.cfs_period_us", "100000\n");
  absl::StatusOr<ResourceLimits::Memory> memory = Limits(8).MemoryLimit();
  ASSERT_TRUE(memory.ok()) << memory.status();
  EXPECT_EQ(memory->bytes, 256ull << 20);
  EXPECT_EQ(memory->source, "cgroup v1 memory.limit_in_bytes");
  absl::StatusOr<ResourceLimits::Cpus> cpus = Limits(8).CpuLimit();
  ASSERT_TRUE(cpus.ok()) << cpus.status();
  EXPECT_EQ(cpus->count, 2);
  EXPECT_EQ(cpus->source, "cgroup v1 CFS quota");
}

TEST_F(ResourceLimitsTest, V1UnlimitedIsTheMachine) {
  // What this very machine shows: v1 "unlimited" is a number near 2^63,
  // and a quota of -1.
  Write("/proc/meminfo", kMeminfo);
  Write("/proc/self/cgroup", "4:memory:/process_api/4079\n1:cpu:/\n");
  Write("/sys/fs/cgroup/memory/memory.limit_in_bytes", "9223372036854771712");
  Write("/sys/fs/cgroup/memory/process_api/4079/memory.limit_in_bytes",
        "9223372036854771712");
  Write("/sys/fs/cgroup/cpu/cpu.cfs_quota_us", "-1");
  Write("/sys/fs/cgroup/cpu/cpu.cfs_period_us", "100000");
  EXPECT_EQ(Limits(2).MemoryLimit()->bytes, 16 * kGiB);
  EXPECT_EQ(Limits(2).MemoryLimit()->source, "MemTotal");
  EXPECT_EQ(Limits(2).CpuLimit()->count, 2);
  EXPECT_EQ(Limits(2).CpuLimit()->source, "CPU affinity");
}

TEST_F(ResourceLimitsTest, V1ContainerSeesItsOwnCgroupAtTheMountRoot) {
  // /proc/self/cgroup names the host's path, which the container's mount
  // does not have: the limits at the mount root are the container's.
  Write("/proc/meminfo", kMeminfo);
  Write("/proc/self/cgroup", "4:memory:/docker/abc\n2:cpu:/docker/abc\n");
  Write("/sys/fs/cgroup/memory/memory.limit_in_bytes", "1073741824");
  Write("/sys/fs/cgroup/cpu/cpu.cfs_quota_us", "50000");
  Write("/sys/fs/cgroup/cpu/cpu.cfs_period_us", "100000");
  EXPECT_EQ(Limits(8).MemoryLimit()->bytes, kGiB);
  // Half a CPU still allows one hash at a time.
  EXPECT_EQ(Limits(8).CpuLimit()->count, 1);
}

TEST_F(ResourceLimitsTest, NoCgroupsAtAllIsTheMachine) {
  Write("/proc/meminfo", kMeminfo);
  EXPECT_EQ(Limits(3).MemoryLimit()->bytes, 16 * kGiB);
  EXPECT_EQ(Limits(3).CpuLimit()->count, 3);
}

TEST_F(ResourceLimitsTest, MalformedFilesAreErrorsNamingTheFile) {
  MakeV2("/app");
  Write("/sys/fs/cgroup/app/memory.max", "lots");
  Write("/sys/fs/cgroup/app/cpu.max", "100000");
  absl::StatusOr<ResourceLimits::Memory> memory = Limits(2).MemoryLimit();
  EXPECT_TRUE(absl::IsFailedPrecondition(memory.status())) << memory.status();
  EXPECT_TRUE(absl::StrContains(memory.status().message(),
                                "/sys/fs/cgroup/app/memory.max (\"lots\""))
      << memory.status();
  absl::StatusOr<ResourceLimits::Cpus> cpus = Limits(2).CpuLimit();
  EXPECT_TRUE(absl::IsFailedPrecondition(cpus.status())) << cpus.status();
  EXPECT_TRUE(absl::StrContains(cpus.status().message(), "cpu.max"))
      << cpus.status();

  for (const char* bad_cpu_max : {"0 100000", "100000 0", "max", "-5 100000",
                                  "100000 100000 7", "max abc"}) {
    Write("/sys/fs/cgroup/app/cpu.max", bad_cpu_max);
    EXPECT_TRUE(absl::IsFailedPrecondition(Limits(2).CpuLimit().status()))
        << bad_cpu_max;
  }
}

TEST_F(ResourceLimitsTest, MalformedV1FilesAndMissingMemTotalAreErrors) {
  Write("/proc/self/cgroup", "4:memory:/\n2:cpu:/\n");
  Write("/sys/fs/cgroup/memory/memory.limit_in_bytes", "1073741824");
  // No /proc/meminfo.
  absl::StatusOr<ResourceLimits::Memory> memory = Limits(2).MemoryLimit();
  EXPECT_TRUE(absl::IsFailedPrecondition(memory.status())) << memory.status();
  EXPECT_TRUE(absl::StrContains(memory.status().message(), "MemTotal"));

  Write("/proc/meminfo", "MemFree: 12 kB\n");
  EXPECT_TRUE(absl::IsFailedPrecondition(Limits(2).MemoryLimit().status()));

  Write("/sys/fs/cgroup/cpu/cpu.cfs_quota_us", "200000");
  // The period is missing.
  EXPECT_TRUE(absl::IsFailedPrecondition(Limits(2).CpuLimit().status()));
  Write("/sys/fs/cgroup/cpu/cpu.cfs_period_us", "often");
  EXPECT_TRUE(absl::IsFailedPrecondition(Limits(2).CpuLimit().status()));
  Write("/sys/fs/cgroup/cpu/cpu.cfs_period_us", "100000");
  Write("/sys/fs/cgroup/cpu/cpu.cfs_quota_us", "a lot");
  EXPECT_TRUE(absl::IsFailedPrecondition(Limits(2).CpuLimit().status()));
  Write("/sys/fs/cgroup/cpu/cpu.cfs_quota_us", "200000");
  EXPECT_EQ(Limits(8).CpuLimit()->count, 2);
}

TEST(ResourceLimitsOfThisProcessTest, ReadsSomethingSensible) {
  ResourceLimits limits = ResourceLimits::OfThisProcess();
  absl::StatusOr<ResourceLimits::Memory> memory = limits.MemoryLimit();
  ASSERT_TRUE(memory.ok()) << memory.status();
  EXPECT_GT(memory->bytes, 64ull << 20);
  absl::StatusOr<ResourceLimits::Cpus> cpus = limits.CpuLimit();
  ASSERT_TRUE(cpus.ok()) << cpus.status();
  EXPECT_GE(cpus->count, 1);
}

}  // namespace
}  // namespace miniter::common
