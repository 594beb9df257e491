// server_options_test.cc: ServerOptionsFromSettings: each setting from its
// flag, else its environment variable, else its default; bad values named
// by flag and variable; the table's defaults equal ServerOptions' own; the
// secrets and their files, the TLS pair; and the password-hashing settings
// sized against fake cgroup trees.
#include "server/app/server_options.h"

#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/app/server_settings.h"
#include "tests/client/temp_dir.h"

namespace miniter::app {
namespace {

using ::testing::HasSubstr;

class ServerOptionsTest : public ::testing::Test {
 protected:
  ServerOptionsTest() {
    // The two settings without a default.
    flags_["database_url"] = "mysql://u:p@127.0.0.1:3306/miniter";
    flags_["token_secret"] = std::string(32, 's');
    // A machine of 16 GiB in a cgroup v2 limited to 2 GiB and 3 CPUs.
    Write("/proc/meminfo", "MemTotal:       16777216 kB\n");
    Write("/proc/self/cgroup", "0::/app\n");
    Write("/sys/fs/cgroup/cgroup.controllers", "cpu memory\n");
    Write("/sys/fs/cgroup/app/memory.max", "2147483648\n");
    Write("/sys/fs/cgroup/app/cpu.max", "300000 100000\n");
  }

  void Write(const std::string& path, const std::string& contents) {
    const std::filesystem::path file = dir_.path() + path;
    std::filesystem::create_directories(file.parent_path());
    std::ofstream(file) << contents;
  }
  // Options from flags_ and env_, as a machine with `schedulable_cpus`
  // CPUs would read them.
  absl::StatusOr<ServerOptions> Read(int schedulable_cpus = 16) {
    return ServerOptionsFromSettings(
        flags_, env_, common::ResourceLimits(dir_.path(), schedulable_cpus));
  }

  client::testing::TempDir dir_;
  SettingValues flags_;
  SettingValues env_;
};

TEST_F(ServerOptionsTest, TheTablesDefaultsAreServerOptionsDefaults) {
  absl::StatusOr<ServerOptions> read = Read();
  ASSERT_TRUE(read.ok()) << read.status();
  const ServerOptions defaults;
  EXPECT_EQ(read->listen_address, defaults.listen_address);
  EXPECT_EQ(read->tls_cert_file, defaults.tls_cert_file);
  EXPECT_EQ(read->redis_url, defaults.redis_url);
  EXPECT_EQ(read->redis_timeout, defaults.redis_timeout);
  EXPECT_EQ(read->token_lifetime, defaults.token_lifetime);
  EXPECT_EQ(read->shutdown_grace, defaults.shutdown_grace);
  EXPECT_EQ(read->drain_delay, defaults.drain_delay);
  EXPECT_EQ(read->database.pool_size, defaults.database.pool_size);
  EXPECT_EQ(read->database.pool_queue, defaults.database.pool_queue);
  EXPECT_EQ(read->database.replica_database_url,
            defaults.database.replica_database_url);
  EXPECT_EQ(read->database.replica_max_staleness,
            defaults.database.replica_max_staleness);
  EXPECT_EQ(read->rate_limit_ipv6_prefix, defaults.rate_limit_ipv6_prefix);
  EXPECT_EQ(read->trusted_proxies, defaults.trusted_proxies);
  EXPECT_EQ(read->call_log.mode, defaults.call_log.mode);
  EXPECT_EQ(read->call_log.sample, defaults.call_log.sample);
  EXPECT_EQ(read->password_hashing.max_waiting,
            defaults.password_hashing.max_waiting);

  const rules::RateLimitOptions& limits = read->rate_limits;
  const rules::RateLimitOptions& expected = defaults.rate_limits;
  EXPECT_EQ(rules::FormatRateLimit(limits.signup_per_peer),
            rules::FormatRateLimit(expected.signup_per_peer));
  EXPECT_EQ(rules::FormatRateLimit(limits.login_per_peer),
            rules::FormatRateLimit(expected.login_per_peer));
  EXPECT_EQ(rules::FormatRateLimit(limits.login_per_email),
            rules::FormatRateLimit(expected.login_per_email));
  EXPECT_EQ(rules::FormatRateLimit(limits.tweet_per_peer),
            rules::FormatRateLimit(expected.tweet_per_peer));
  EXPECT_EQ(rules::FormatRateLimit(limits.tweet_per_account),
            rules::FormatRateLimit(expected.tweet_per_account));
  EXPECT_EQ(
      rules::FormatBackoffPolicy(limits.login_backoff_per_email_and_peer),
      rules::FormatBackoffPolicy(expected.login_backoff_per_email_and_peer));
  EXPECT_EQ(limits.max_calls_in_flight_per_account,
            expected.max_calls_in_flight_per_account);
  EXPECT_EQ(limits.deep_read_cost, expected.deep_read_cost);

  // The one default the in-process servers do not share: they serve no
  // metrics.
  EXPECT_EQ(read->metrics_listen, ServerOptions::kDefaultMetricsListen);
  EXPECT_TRUE(read->metrics_listen_may_fail);
}

TEST_F(ServerOptionsTest, AFlagWinsOverItsVariableWhichWinsOverTheDefault) {
  env_["MINITER_LISTEN"] = "127.0.0.1:7000";
  env_["MINITER_REDIS_TIMEOUT"] = "1s";
  env_["MINITER_POOL_SIZE"] = "8";
  flags_["listen"] = "127.0.0.1:8000";
  flags_["pool_size"] = "4";
  absl::StatusOr<ServerOptions> read = Read();
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->listen_address, "127.0.0.1:8000");  // flag
  EXPECT_EQ(read->database.pool_size, 4);             // flag
  EXPECT_EQ(read->redis_timeout, absl::Seconds(1));   // variable
  EXPECT_EQ(read->token_lifetime, absl::Hours(24));   // default

  // An empty flag or variable counts as not given.
  flags_["listen"] = "";
  env_["MINITER_REDIS_TIMEOUT"] = "";
  read = Read();
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->listen_address, "127.0.0.1:7000");
  EXPECT_EQ(read->redis_timeout, absl::Milliseconds(250));
}

TEST_F(ServerOptionsTest, EveryKindOfValueIsParsed) {
  flags_["tls_cert_file"] = "/etc/miniter/server.pem";
  flags_["tls_key_file"] = "/etc/miniter/server.key";
  flags_["replica_database_url"] = "mysql://u:p@replica:3306/miniter";
  flags_["replica_max_staleness"] = "5s";
  flags_["pool_queue"] = "100";
  flags_["signup_rate_per_peer"] = "off";
  flags_["tweet_rate_per_account"] = "5/1s";
  flags_["login_backoff_per_email_and_peer"] = "3,2s,10m";
  flags_["max_calls_per_account"] = "0";
  flags_["deep_read_cost"] = "1";
  flags_["rate_limit_ipv6_prefix"] = "128";
  flags_["trusted_proxies"] = " 10.0.0.1, 10.0.0.2 ,";
  flags_["drain_delay"] = "0";
  env_["MINITER_SHUTDOWN_GRACE"] = "3s";
  absl::StatusOr<ServerOptions> read = Read();
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->tls_key_file, "/etc/miniter/server.key");
  EXPECT_EQ(read->database.replica_max_staleness, absl::Seconds(5));
  EXPECT_EQ(read->database.pool_queue, 100);
  EXPECT_EQ(rules::FormatRateLimit(read->rate_limits.signup_per_peer), "off");
  EXPECT_EQ(rules::FormatRateLimit(read->rate_limits.tweet_per_account),
            rules::FormatRateLimit(*rules::ParseRateLimit("5/1s")));
  EXPECT_EQ(rules::FormatBackoffPolicy(
                read->rate_limits.login_backoff_per_email_and_peer),
            rules::FormatBackoffPolicy(*rules::ParseBackoffPolicy("3,2s,10m")));
  EXPECT_EQ(read->rate_limits.max_calls_in_flight_per_account, 0);
  EXPECT_EQ(read->rate_limits.deep_read_cost, 1);
  EXPECT_EQ(read->rate_limit_ipv6_prefix, 128);
  EXPECT_EQ(read->trusted_proxies,
            (std::set<std::string>{"10.0.0.1", "10.0.0.2"}));
  EXPECT_EQ(read->drain_delay, absl::ZeroDuration());
  EXPECT_EQ(read->shutdown_grace, absl::Seconds(3));
}

// A bad value, whether from the flag or from the variable, is an
// INVALID_ARGUMENT naming both, and where it came from.
TEST_F(ServerOptionsTest, BadValuesNameTheFlagAndTheVariable) {
  const struct {
    const char* name;
    const char* value;
  } bad[] = {
      {"replica_max_staleness", "soon"},
      {"redis_timeout", "0s"},
      {"pool_size", "0"},
      {"pool_size", "many"},
      {"pool_queue", "-1"},
      {"token_lifetime", "-1h"},
      {"signup_rate_per_peer", "lots"},
      {"login_rate_per_peer", "5"},
      {"login_rate_per_email", "5/"},
      {"tweet_rate_per_peer", "/1m"},
      {"tweet_rate_per_account", "x"},
      {"login_backoff_per_email_and_peer", "5"},
      {"max_calls_per_account", "-1"},
      {"deep_read_cost", "0"},
      {"rate_limit_ipv6_prefix", "129"},
      {"password_hash_memory", "lots"},
      {"password_hash_queue", "10001"},
      {"call_log", "loud"},
      {"call_log_sample", "2"},
      {"drain_delay", "-2s"},
      {"shutdown_grace", "later"},
  };
  for (const auto& [name, value] : bad) {
    const std::string env =
        absl::StrCat("MINITER_", absl::AsciiStrToUpper(name));
    SCOPED_TRACE(absl::StrCat(name, "=", value));
    flags_[name] = value;
    absl::StatusOr<ServerOptions> read = Read();
    EXPECT_TRUE(absl::IsInvalidArgument(read.status())) << read.status();
    EXPECT_THAT(
        read.status().message(),
        HasSubstr(absl::StrCat("--", name, " / ", env, " (from the flag)")));
    flags_.erase(name);

    env_[env] = value;
    read = Read();
    EXPECT_TRUE(absl::IsInvalidArgument(read.status())) << read.status();
    EXPECT_THAT(read.status().message(),
                HasSubstr(absl::StrCat("--", name, " / ", env,
                                       " (from the environment)")));
    env_.erase(env);
  }
}

TEST_F(ServerOptionsTest, TheDatabaseAndTheTokenSecretAreRequired) {
  flags_.erase("database_url");
  absl::StatusOr<ServerOptions> read = Read();
  EXPECT_TRUE(absl::IsInvalidArgument(read.status()));
  EXPECT_THAT(read.status().message(), HasSubstr("--database_url"));
  EXPECT_THAT(read.status().message(), HasSubstr("MINITER_DATABASE_URL"));

  env_["MINITER_DATABASE_URL"] = "mysql://u:p@db:3306/miniter";
  flags_.erase("token_secret");
  read = Read();
  EXPECT_TRUE(absl::IsInvalidArgument(read.status()));
  EXPECT_THAT(read.status().message(), HasSubstr("MINITER_TOKEN_SECRET"));

  env_["MINITER_TOKEN_SECRET"] = "a,b";
  read = Read();
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->database.database_url, "mysql://u:p@db:3306/miniter");
  EXPECT_EQ(read->token_secrets, (std::vector<std::string>{"a", "b"}));
}

TEST_F(ServerOptionsTest, SecretsComeFromTheirFilesWhenNotGivenDirectly) {
  Write("/url", "mysql://u:p@file:3306/miniter\n");
  Write("/secrets", "newest\nolder\n");
  flags_.erase("database_url");
  flags_.erase("token_secret");
  flags_["database_url_file"] = dir_.path() + "/url";
  env_["MINITER_TOKEN_SECRET_FILE"] = dir_.path() + "/secrets";
  absl::StatusOr<ServerOptions> read = Read();
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->database.database_url, "mysql://u:p@file:3306/miniter");
  EXPECT_EQ(read->token_secrets, (std::vector<std::string>{"newest", "older"}));

  // Given directly, the secret wins over its file.
  flags_["database_url"] = "mysql://u:p@flag:3306/miniter";
  EXPECT_EQ(Read()->database.database_url, "mysql://u:p@flag:3306/miniter");

  env_["MINITER_TOKEN_SECRET_FILE"] = dir_.path() + "/missing";
  read = Read();
  EXPECT_TRUE(absl::IsInvalidArgument(read.status()));
  EXPECT_THAT(read.status().message(), HasSubstr("cannot read token secret"));
}

TEST_F(ServerOptionsTest, TlsNeedsBothFilesOrNeither) {
  flags_["tls_cert_file"] = "/etc/miniter/server.pem";
  absl::StatusOr<ServerOptions> read = Read();
  EXPECT_TRUE(absl::IsInvalidArgument(read.status()));
  EXPECT_THAT(read.status().message(), HasSubstr("--tls_key_file"));
}

TEST_F(ServerOptionsTest, AutoTakesAQuarterOfTheCgroupsMemoryCappedByItsCpus) {
  // 2 GiB / 4 = 512 MiB = 8 hashes of 64 MiB, but the quota allows 3 CPUs.
  absl::StatusOr<ServerOptions> options = Read();
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->password_hashing.max_concurrent, 3);
  EXPECT_EQ(rules::EffectiveMaxWaiting(options->password_hashing), 6);
  EXPECT_EQ(options->password_hashing_sizing,
            "memory budget 512 MiB = 1/4 of 2 GiB (cgroup v2 memory.max), "
            "3 CPUs (cgroup v2 cpu.max)");

  // Without the CPU quota the memory decides.
  Write("/sys/fs/cgroup/app/cpu.max", "max 100000\n");
  flags_["password_hash_memory"] = "auto";
  options = Read();
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->password_hashing.max_concurrent, 8);
  // And with fewer CPUs than the memory allows, the CPUs.
  EXPECT_EQ(Read(2)->password_hashing.max_concurrent, 2);
}

TEST_F(ServerOptionsTest, AnExplicitBudgetIsDividedByTheHashSize) {
  flags_["password_hash_memory"] = "128MiB";
  absl::StatusOr<ServerOptions> options = Read();
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->password_hashing.max_concurrent, 2);
  EXPECT_TRUE(
      absl::StartsWith(options->password_hashing_sizing,
                       "memory budget 128 MiB = --password_hash_memory"))
      << options->password_hashing_sizing;
  // Less than one hash still allows one.
  flags_["password_hash_memory"] = "1MiB";
  EXPECT_EQ(Read()->password_hashing.max_concurrent, 1);
  // More than the CPUs allow is capped by the quota.
  flags_["password_hash_memory"] = "1GiB";
  EXPECT_EQ(Read()->password_hashing.max_concurrent, 3);
}

TEST_F(ServerOptionsTest, TheHashingVariablesAreReadWhenTheFlagsAreNotGiven) {
  env_["MINITER_PASSWORD_HASH_MEMORY"] = "64MiB";
  EXPECT_EQ(Read()->password_hashing.max_concurrent, 1);
  flags_["password_hash_memory"] = "192MiB";
  EXPECT_EQ(Read()->password_hashing.max_concurrent, 3);

  env_["MINITER_PASSWORD_HASH_QUEUE"] = "7";
  EXPECT_EQ(Read()->password_hashing.max_waiting, 7);
  flags_["password_hash_queue"] = "0";
  EXPECT_EQ(Read()->password_hashing.max_waiting, 0);
}

TEST_F(ServerOptionsTest, BadBudgetsAreInvalidArguments) {
  for (const char* bad : {"lots", "0", "0MiB", "-64MiB", "64 parsecs"}) {
    flags_["password_hash_memory"] = bad;
    absl::StatusOr<ServerOptions> options = Read();
    EXPECT_TRUE(absl::IsInvalidArgument(options.status()))
        << bad << ": " << options.status();
    EXPECT_THAT(options.status().message(), HasSubstr("password_hash_memory"));
  }
}

TEST_F(ServerOptionsTest, UnreadableLimitsStopAutoButNotAnExplicitBudget) {
  Write("/sys/fs/cgroup/app/memory.max", "garbage\n");
  absl::StatusOr<ServerOptions> options = Read();
  EXPECT_TRUE(absl::IsFailedPrecondition(options.status())) << options.status();
  EXPECT_THAT(options.status().message(),
              HasSubstr("set --password_hash_memory"));
  flags_["password_hash_memory"] = "256MiB";
  options = Read();
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->password_hashing.max_concurrent, 3);
}

TEST_F(ServerOptionsTest, MetricsListenOnLoopbackByDefaultAndOffWhenEmpty) {
  absl::StatusOr<ServerOptions> options = Read();
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->metrics_listen, "127.0.0.1:9464");
  EXPECT_TRUE(options->metrics_listen_may_fail);

  // Set but empty is off, unlike the other variables.
  env_["MINITER_METRICS_LISTEN"] = "";
  options = Read();
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->metrics_listen, "");

  env_["MINITER_METRICS_LISTEN"] = "0.0.0.0:9100";
  options = Read();
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->metrics_listen, "0.0.0.0:9100");
  EXPECT_FALSE(options->metrics_listen_may_fail);

  // The flag wins over the variable, empty included.
  flags_["metrics_listen"] = "";
  options = Read();
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->metrics_listen, "");
  flags_["metrics_listen"] = "127.0.0.1:9999";
  options = Read();
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->metrics_listen, "127.0.0.1:9999");
}

TEST_F(ServerOptionsTest, CallLogIsOnByDefaultAndTakesFlagsOrEnvironment) {
  absl::StatusOr<ServerOptions> options = Read();
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->call_log.mode, api::CallLogPolicy::Mode::kAll);
  EXPECT_EQ(options->call_log.sample, 1.0);

  env_["MINITER_CALL_LOG"] = "errors";
  env_["MINITER_CALL_LOG_SAMPLE"] = "0.1";
  options = Read();
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->call_log.mode, api::CallLogPolicy::Mode::kErrors);
  EXPECT_EQ(options->call_log.sample, 0.1);

  // A flag wins over its variable.
  flags_["call_log"] = "off";
  options = Read();
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->call_log.mode, api::CallLogPolicy::Mode::kOff);
}

// Every variable is MINITER_ and the flag's name in capitals
// (packaging/miniter.env tells operators so), and no name is taken twice.
TEST(ServerSettingsTest, NamesAreUniqueAndEachVariableIsItsFlagInCapitals) {
  std::set<std::string> names;
  for (const ServerSetting& setting : ServerSettings()) {
    EXPECT_TRUE(names.insert(std::string(setting.name)).second) << setting.name;
    EXPECT_EQ(setting.env,
              absl::StrCat("MINITER_", absl::AsciiStrToUpper(setting.name)));
    EXPECT_FALSE(setting.help.empty()) << setting.name;
    // A default value, or words for what its absence means: never both.
    EXPECT_NE(setting.default_value.empty(), setting.no_default.empty())
        << setting.name;
  }
}

}  // namespace
}  // namespace miniter::app
