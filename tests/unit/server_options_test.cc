// server_options_test.cc: ServerOptionsFromFlags for the password-hashing
// settings: --password_hash_memory (a size or auto) and its environment
// variable, sized against fake cgroup trees, and --password_hash_queue;
// --metrics_listen, whose empty value means off; and the call log's
// --call_log and --call_log_sample.
#include "server/app/server_options.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "tests/client/temp_dir.h"

ABSL_DECLARE_FLAG(std::string, database_url);
ABSL_DECLARE_FLAG(std::string, token_secret);
ABSL_DECLARE_FLAG(std::string, password_hash_memory);
ABSL_DECLARE_FLAG(int, password_hash_queue);
ABSL_DECLARE_FLAG(std::string, metrics_listen);
ABSL_DECLARE_FLAG(std::string, call_log);
ABSL_DECLARE_FLAG(std::string, call_log_sample);

namespace miniter::app {
namespace {

class ServerOptionsTest : public ::testing::Test {
 protected:
  ServerOptionsTest() {
    // The two settings without a default.
    absl::SetFlag(&FLAGS_database_url, "mysql://u:p@127.0.0.1:3306/miniter");
    absl::SetFlag(&FLAGS_token_secret, std::string(32, 's'));
    unsetenv("MINITER_PASSWORD_HASH_MEMORY");
    unsetenv("MINITER_PASSWORD_HASH_QUEUE");
    // A machine of 16 GiB in a cgroup v2 limited to 2 GiB and 3 CPUs.
    Write("/proc/meminfo", "MemTotal:       16777216 kB\n");
    Write("/proc/self/cgroup", "0::/app\n");
    Write("/sys/fs/cgroup/cgroup.controllers", "cpu memory\n");
    Write("/sys/fs/cgroup/app/memory.max", "2147483648\n");
    Write("/sys/fs/cgroup/app/cpu.max", "300000 100000\n");
  }
  ~ServerOptionsTest() override {
    // Back to the flags' defaults (absl::FlagSaver does this too, but
    // Debian's Abseil logs a line for every flag it restores).
    absl::SetFlag(&FLAGS_database_url, "");
    absl::SetFlag(&FLAGS_token_secret, "");
    absl::SetFlag(&FLAGS_password_hash_memory, "");
    absl::SetFlag(&FLAGS_password_hash_queue, -1);
    unsetenv("MINITER_PASSWORD_HASH_MEMORY");
    unsetenv("MINITER_PASSWORD_HASH_QUEUE");
    absl::SetFlag(&FLAGS_call_log, "");
    absl::SetFlag(&FLAGS_call_log_sample, "");
    unsetenv("MINITER_CALL_LOG");
    unsetenv("MINITER_CALL_LOG_SAMPLE");
  }

  void Write(const std::string& path, const std::string& contents) {
    const std::filesystem::path file = dir_.path() + path;
    std::filesystem::create_directories(file.parent_path());
    std::ofstream(file) << contents;
  }
  // Options as a machine with `schedulable_cpus` CPUs would read them.
  absl::StatusOr<ServerOptions> FromFlags(int schedulable_cpus = 16) {
    return ServerOptionsFromFlags(
        common::ResourceLimits(dir_.path(), schedulable_cpus));
  }

  client::testing::TempDir dir_;
};

TEST_F(ServerOptionsTest, AutoTakesAQuarterOfTheCgroupsMemoryCappedByItsCpus) {
  // 2 GiB / 4 = 512 MiB = 8 hashes of 64 MiB, but the quota allows 3 CPUs.
  absl::StatusOr<ServerOptions> options = FromFlags();
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->password_hashing.max_concurrent, 3);
  EXPECT_EQ(rules::EffectiveMaxWaiting(options->password_hashing), 6);
  EXPECT_EQ(options->password_hashing_sizing,
            "memory budget 512 MiB = 1/4 of 2 GiB (cgroup v2 memory.max), "
            "3 CPUs (cgroup v2 cpu.max)");

  // Without the CPU quota the memory decides.
  Write("/sys/fs/cgroup/app/cpu.max", "max 100000\n");
  absl::SetFlag(&FLAGS_password_hash_memory, "auto");
  options = FromFlags();
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->password_hashing.max_concurrent, 8);
  // And with fewer CPUs than the memory allows, the CPUs.
  EXPECT_EQ(FromFlags(2)->password_hashing.max_concurrent, 2);
}

TEST_F(ServerOptionsTest, AnExplicitBudgetIsDividedByTheHashSize) {
  absl::SetFlag(&FLAGS_password_hash_memory, "128MiB");
  absl::StatusOr<ServerOptions> options = FromFlags();
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->password_hashing.max_concurrent, 2);
  EXPECT_TRUE(absl::StartsWith(options->password_hashing_sizing,
                               "memory budget 128 MiB = --password_hash_memory"))
      << options->password_hashing_sizing;
  // Less than one hash still allows one.
  absl::SetFlag(&FLAGS_password_hash_memory, "1MiB");
  EXPECT_EQ(FromFlags()->password_hashing.max_concurrent, 1);
  // More than the CPUs allow is capped by the quota.
  absl::SetFlag(&FLAGS_password_hash_memory, "1GiB");
  EXPECT_EQ(FromFlags()->password_hashing.max_concurrent, 3);
}

TEST_F(ServerOptionsTest, TheEnvironmentVariableIsReadWhenTheFlagIsNotGiven) {
  setenv("MINITER_PASSWORD_HASH_MEMORY", "64MiB", 1);
  EXPECT_EQ(FromFlags()->password_hashing.max_concurrent, 1);
  absl::SetFlag(&FLAGS_password_hash_memory, "192MiB");
  EXPECT_EQ(FromFlags()->password_hashing.max_concurrent, 3);

  setenv("MINITER_PASSWORD_HASH_QUEUE", "7", 1);
  EXPECT_EQ(FromFlags()->password_hashing.max_waiting, 7);
  absl::SetFlag(&FLAGS_password_hash_queue, 0);
  EXPECT_EQ(FromFlags()->password_hashing.max_waiting, 0);
}

TEST_F(ServerOptionsTest, BadBudgetsAreInvalidArguments) {
  for (const char* bad : {"lots", "0", "0MiB", "-64MiB", "64 parsecs"}) {
    absl::SetFlag(&FLAGS_password_hash_memory, bad);
    absl::StatusOr<ServerOptions> options = FromFlags();
    EXPECT_TRUE(absl::IsInvalidArgument(options.status()))
        << bad << ": " << options.status();
    EXPECT_TRUE(absl::StrContains(options.status().message(),
                                  "password_hash_memory"))
        << options.status();
  }
}

TEST_F(ServerOptionsTest, BadQueuesAreInvalidArguments) {
  absl::SetFlag(&FLAGS_password_hash_queue, -5);
  EXPECT_TRUE(absl::IsInvalidArgument(FromFlags().status()));
  absl::SetFlag(&FLAGS_password_hash_queue, 10001);
  EXPECT_TRUE(absl::IsInvalidArgument(FromFlags().status()));
  absl::SetFlag(&FLAGS_password_hash_queue, -1);
  setenv("MINITER_PASSWORD_HASH_QUEUE", "many", 1);
  absl::StatusOr<ServerOptions> options = FromFlags();
  EXPECT_TRUE(absl::IsInvalidArgument(options.status())) << options.status();
  EXPECT_TRUE(absl::StrContains(options.status().message(),
                                "password_hash_queue"));
}

TEST_F(ServerOptionsTest, UnreadableLimitsStopAutoButNotAnExplicitBudget) {
  Write("/sys/fs/cgroup/app/memory.max", "garbage\n");
  absl::StatusOr<ServerOptions> options = FromFlags();
  EXPECT_TRUE(absl::IsFailedPrecondition(options.status())) << options.status();
  EXPECT_TRUE(absl::StrContains(options.status().message(),
                                "set --password_hash_memory"))
      << options.status();
  absl::SetFlag(&FLAGS_password_hash_memory, "256MiB");
  options = FromFlags();
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->password_hashing.max_concurrent, 3);
}

TEST_F(ServerOptionsTest, MetricsListenOnLoopbackByDefaultAndOffWhenEmpty) {
  unsetenv("MINITER_METRICS_LISTEN");
  absl::StatusOr<ServerOptions> options = FromFlags();
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->metrics_listen, "127.0.0.1:9464");
  EXPECT_TRUE(options->metrics_listen_may_fail);

  // Set but empty is off, unlike the other variables.
  setenv("MINITER_METRICS_LISTEN", "", 1);
  options = FromFlags();
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->metrics_listen, "");

  setenv("MINITER_METRICS_LISTEN", "0.0.0.0:9100", 1);
  options = FromFlags();
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->metrics_listen, "0.0.0.0:9100");
  EXPECT_FALSE(options->metrics_listen_may_fail);

  // The flag wins over the variable, empty included.
  absl::SetFlag(&FLAGS_metrics_listen, "");
  options = FromFlags();
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->metrics_listen, "");
  absl::SetFlag(&FLAGS_metrics_listen, "127.0.0.1:9999");
  options = FromFlags();
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->metrics_listen, "127.0.0.1:9999");

  absl::SetFlag(&FLAGS_metrics_listen,
                std::string(ServerOptions::kDefaultMetricsListen));
  unsetenv("MINITER_METRICS_LISTEN");
}

TEST_F(ServerOptionsTest, CallLogIsOnByDefaultAndTakesFlagsOrEnvironment) {
  unsetenv("MINITER_CALL_LOG");
  unsetenv("MINITER_CALL_LOG_SAMPLE");
  absl::StatusOr<ServerOptions> options = FromFlags();
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->call_log.mode, api::CallLogPolicy::Mode::kAll);
  EXPECT_EQ(options->call_log.sample, 1.0);

  setenv("MINITER_CALL_LOG", "errors", 1);
  setenv("MINITER_CALL_LOG_SAMPLE", "0.1", 1);
  options = FromFlags();
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->call_log.mode, api::CallLogPolicy::Mode::kErrors);
  EXPECT_EQ(options->call_log.sample, 0.1);

  // A flag wins over its variable.
  absl::SetFlag(&FLAGS_call_log, "off");
  options = FromFlags();
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->call_log.mode, api::CallLogPolicy::Mode::kOff);

  absl::SetFlag(&FLAGS_call_log, "loud");
  EXPECT_TRUE(absl::StrContains(FromFlags().status().message(), "call_log"));
  absl::SetFlag(&FLAGS_call_log, "");
  absl::SetFlag(&FLAGS_call_log_sample, "2");
  EXPECT_EQ(FromFlags().status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace miniter::app
