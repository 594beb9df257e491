// server_options.cc: the server's flags and their environment fallbacks.
//
// Flags default to empty/zero, meaning "not given"; then the MINITER_*
// variable is read, then the built-in default applies. Reading the
// environment late (not as the flag's default) keeps secrets out of
// --help output.
#include "server/app/server_options.h"

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/flags/commandlineflag.h"
#include "absl/flags/flag.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "server/common/byte_size.h"
#include "server/rules/key_ring.h"

ABSL_FLAG(std::string, listen, "",
          "Address to serve on. Env MINITER_LISTEN; default 127.0.0.1:50051.");
ABSL_FLAG(std::string, tls_cert_file, "",
          "PEM certificate chain; with --tls_key_file the port serves TLS "
          "only. Env MINITER_TLS_CERT_FILE; default: plaintext.");
ABSL_FLAG(std::string, tls_key_file, "",
          "PEM private key for --tls_cert_file. Env MINITER_TLS_KEY_FILE.");
ABSL_FLAG(std::string, database_url, "",
          "mysql://USER:PASSWORD@HOST:PORT/DATABASE[?socket=PATH]. Env "
          "MINITER_DATABASE_URL; required.");
ABSL_FLAG(std::string, database_url_file, "",
          "File holding the database URL (keeps its password off the command "
          "line and out of the environment). Env MINITER_DATABASE_URL_FILE.");
ABSL_FLAG(std::string, replica_database_url, "",
          "A MariaDB replica of --database_url (same syntax): other users' "
          "timelines are read there while it is within "
          "--replica_max_staleness of the primary. Env "
          "MINITER_REPLICA_DATABASE_URL; default: none.");
ABSL_FLAG(std::string, replica_max_staleness, "",
          "How far behind the primary the replica may be for reads (GTID-"
          "measured), e.g. 2s. Env MINITER_REPLICA_MAX_STALENESS; default 2s.");
ABSL_FLAG(std::string, redis_url, "",
          "The shared memory tier of home timelines: redis://HOST[:PORT] or "
          "unix:///PATH of a Redis every server of the deployment shares; "
          "it also holds the rate limits, so the servers enforce them "
          "together. Env MINITER_REDIS_URL; default: none (MariaDB alone, "
          "limits per process).");
ABSL_FLAG(std::string, redis_timeout, "",
          "How long one call to Redis may take, for the memory tier and the "
          "shared rate limits alike, before it is taken out of use (the "
          "tier's reads and writes use MariaDB alone until it answers again "
          "and the outbox is applied; the rate limits are per process "
          "meanwhile), e.g. 250ms. Env MINITER_REDIS_TIMEOUT; default 250ms.");
ABSL_FLAG(int, pool_size, 0,
          "Database connections kept open at most. Env MINITER_POOL_SIZE; "
          "default 16.");
ABSL_FLAG(int, pool_queue, -1,
          "Calls that may wait for a database connection when all are busy; "
          "more get RESOURCE_EXHAUSTED at once. Env MINITER_POOL_QUEUE; "
          "default: 4 x pool_size.");
ABSL_FLAG(std::string, token_secret, "",
          "HMAC key for access and page tokens, at least 32 bytes; to rotate, "
          "a comma-separated list, newest (signing) first, at most 8. Prefer "
          "env MINITER_TOKEN_SECRET or --token_secret_file (a flag shows in "
          "ps).");
ABSL_FLAG(std::string, token_secret_file, "",
          "File holding the token secret, or one secret per line, newest "
          "first. Env MINITER_TOKEN_SECRET_FILE.");
ABSL_FLAG(std::string, token_lifetime, "",
          "How long an access token stays valid, e.g. 24h, 90m. Env "
          "MINITER_TOKEN_LIFETIME; default 24h.");
ABSL_FLAG(std::string, signup_rate_per_peer, "",
          "SignUps per client address, as N/DURATION or off. Env "
          "MINITER_SIGNUP_RATE_PER_PEER; default 30/1h.");
ABSL_FLAG(std::string, login_rate_per_peer, "",
          "Logins per client address. Env MINITER_LOGIN_RATE_PER_PEER; "
          "default 60/1m.");
ABSL_FLAG(std::string, login_rate_per_email, "",
          "Failed logins per e-mail from addresses that have not logged into "
          "it in 30 days (bounds password guessing across all addresses). "
          "Env MINITER_LOGIN_RATE_PER_EMAIL; default 10/1h.");
ABSL_FLAG(std::string, login_backoff_per_email_and_peer, "",
          "Growing delays after failed logins per (e-mail, address): "
          "\"FREE,FIRST,MAX[,FORGET]\" or off. Env "
          "MINITER_LOGIN_BACKOFF_PER_EMAIL_AND_PEER; default 5,1s,5m,1h.");
ABSL_FLAG(std::string, tweet_rate_per_peer, "",
          "Tweets per client address. Env MINITER_TWEET_RATE_PER_PEER; "
          "default 600/1m.");
ABSL_FLAG(std::string, tweet_rate_per_account, "",
          "Tweets per account. Env MINITER_TWEET_RATE_PER_ACCOUNT; default "
          "60/1m. With --redis_url the rate limits are shared by every "
          "server through it (per process while it is unreachable); "
          "without it, per server process.");
ABSL_FLAG(int, max_calls_per_account, -1,
          "Calls of one signed-in account running at once (Tweet, Follow, "
          "Unfollow, Timeline); more get RESOURCE_EXHAUSTED with a retry "
          "hint. 0: no limit. Env MINITER_MAX_CALLS_PER_ACCOUNT; default 4.");
ABSL_FLAG(int, deep_read_cost, -1,
          "How many of an account's --max_calls_per_account places a "
          "Timeline page deep in history takes (one read by the fallback "
          "query, below the home timeline rows); 1: like any call. Env "
          "MINITER_DEEP_READ_COST; default 3 (one deep page at a time).");
ABSL_FLAG(int, rate_limit_ipv6_prefix, -1,
          "Rate limits count IPv6 clients per prefix of this many bits (one "
          "host usually holds a /64). Env MINITER_RATE_LIMIT_IPV6_PREFIX; "
          "default 64.");
ABSL_FLAG(std::string, trusted_proxies, "",
          "Comma-separated IPs of proxies (load balancers) whose last "
          "x-forwarded-for address is used as the client address for rate "
          "limits. Env MINITER_TRUSTED_PROXIES; default none.");
ABSL_FLAG(std::string, password_hash_memory, "",
          "Memory the password hashes running at once may use together "
          "(each Argon2id hash takes 64 MiB), e.g. 256MiB or 1GiB, or auto: "
          "a quarter of what the process may use (its cgroup's memory "
          "limit, else MemTotal). Hashes at once = this / 64 MiB, at least "
          "1, at most the CPUs the cgroup's quota allows. Env "
          "MINITER_PASSWORD_HASH_MEMORY; default auto.");
ABSL_FLAG(int, password_hash_queue, -1,
          "Sign-ups and logins that may wait (up to 3 s) for a password "
          "hash to finish; more get RESOURCE_EXHAUSTED at once with a retry "
          "hint. Env MINITER_PASSWORD_HASH_QUEUE; default 2 x hashes at "
          "once.");
ABSL_FLAG(std::string, drain_delay, "",
          "After SIGTERM, keep serving this long with readiness "
          "NOT_SERVING (liveness stays SERVING) so load balancers stop "
          "sending calls first, e.g. 2s. Env "
          "MINITER_DRAIN_DELAY; default 0 (stop taking calls at once).");
// Its default is the address itself (not "" as for the flags above): here
// empty means "no metrics", not "not given".
ABSL_FLAG(std::string, metrics_listen,
          miniter::app::ServerOptions::kDefaultMetricsListen,
          "IP:PORT to serve Prometheus metrics on (GET /metrics), apart "
          "from the gRPC port; empty (--metrics_listen=) turns them off. "
          "Env MINITER_METRICS_LISTEN (set but empty: off). The default "
          "address, unlike any other, only warns when it is taken (by a "
          "second server on the machine).");
ABSL_FLAG(std::string, call_log, "",
          "One JSON line per call on stderr: all, errors (calls that did not "
          "end OK) or off. Env MINITER_CALL_LOG; default all.");
ABSL_FLAG(std::string, call_log_sample, "",
          "With --call_log=all, the share of successful calls logged, 0 to "
          "1 (failed calls, and calls whose W3C traceparent is sampled, "
          "always are). Env MINITER_CALL_LOG_SAMPLE; default 1.");
ABSL_FLAG(std::string, shutdown_grace, "",
          "How long in-flight calls may finish after SIGTERM. Env "
          "MINITER_SHUTDOWN_GRACE; default 10s.");

namespace miniter::app {
namespace {

std::string FlagOrEnv(const absl::Flag<std::string>& flag,
                      const char* env_name) {
  std::string value = absl::GetFlag(flag);
  if (!value.empty()) return value;
  const char* env = std::getenv(env_name);
  return env == nullptr ? std::string() : std::string(env);
}

absl::Status ParseDurationSetting(const std::string& text, const char* name,
                                  absl::Duration* out) {
  if (text.empty()) return absl::OkStatus();
  if (!absl::ParseDuration(text, out) || *out <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(absl::StrCat(
        name, " must be a positive duration like 30s or 24h, not \"", text,
        "\""));
  }
  return absl::OkStatus();
}

absl::Status ParseRateLimitSetting(const std::string& text, const char* name,
                                    rules::RateLimit* out) {
  if (text.empty()) return absl::OkStatus();
  absl::StatusOr<rules::RateLimit> limit = rules::ParseRateLimit(text);
  if (!limit.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, ": ", limit.status().message()));
  }
  *out = *limit;
  return absl::OkStatus();
}

// The file's contents without trailing white space; `what` names it in
// the error.
absl::StatusOr<std::string> ReadSecretFile(const std::string& path,
                                           const char* what) {
  std::ifstream file(path);
  if (!file) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot read ", what, " file ", path));
  }
  std::stringstream contents;
  contents << file.rdbuf();
  return std::string(absl::StripTrailingAsciiWhitespace(contents.str()));
}

// For a setting whose empty value means "off" rather than "not given", so
// its flag defaults to the default itself: the flag when it is set to
// anything else (empty included), else the variable when it is set (empty
// included), else the default.
std::string NonDefaultFlagOrEnv(const absl::Flag<std::string>& flag,
                                const char* env_name) {
  std::string value = absl::GetFlag(flag);
  if (value != absl::GetFlagReflectionHandle(flag).DefaultValue()) {
    return value;
  }
  const char* env = std::getenv(env_name);
  return env == nullptr ? value : std::string(env);
}

// An int flag whose default, -1, means "not given": then the environment
// variable `env_name`, if set; -1 when neither is given, -2 (below every
// valid value) when the variable is no number.
int IntFlagOrEnv(const absl::Flag<int>& flag, const char* env_name) {
  int value = absl::GetFlag(flag);
  if (value != -1) return value;
  const char* env = std::getenv(env_name);
  if (env == nullptr) return -1;
  return absl::SimpleAtoi(env, &value) ? value : -2;
}

// --password_hash_memory=auto takes this share of the process's memory:
// the rest is for gRPC's buffers, the caches and the database connections.
constexpr int kAutoHashMemoryShare = 4;

// Sizes options->password_hashing from --password_hash_memory and
// --password_hash_queue (or their environment variables) and `limits`.
absl::Status SizePasswordHashing(const common::ResourceLimits& limits,
                                 ServerOptions* options) {
  rules::PasswordHasherOptions& hashing = options->password_hashing;
  std::string spec = absl::AsciiStrToLower(absl::StripAsciiWhitespace(
      FlagOrEnv(FLAGS_password_hash_memory, "MINITER_PASSWORD_HASH_MEMORY")));
  std::uint64_t budget = 0;
  std::string budget_source;
  if (spec.empty() || spec == "auto") {
    absl::StatusOr<common::ResourceLimits::Memory> memory =
        limits.MemoryLimit();
    if (!memory.ok()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "password_hash_memory=auto: ", memory.status().message(),
          "; set --password_hash_memory to a size such as 256MiB"));
    }
    budget = memory->bytes / kAutoHashMemoryShare;
    budget_source = absl::StrCat("1/", kAutoHashMemoryShare, " of ",
                                 common::FormatByteSize(memory->bytes), " (",
                                 memory->source, ")");
  } else {
    absl::StatusOr<std::uint64_t> parsed = common::ParseByteSize(spec);
    if (!parsed.ok() || *parsed == 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "password_hash_memory must be a positive size such as 256MiB or "
          "1GiB, or auto, not \"", spec, "\""));
    }
    budget = *parsed;
    budget_source = "--password_hash_memory";
  }
  absl::StatusOr<common::ResourceLimits::Cpus> cpus = limits.CpuLimit();
  if (!cpus.ok()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "cannot size password hashing: ", cpus.status().message()));
  }
  hashing.max_concurrent =
      rules::ConcurrentHashesWithin(budget, hashing.mem_limit_bytes,
                                    cpus->count);

  const int queue =
      IntFlagOrEnv(FLAGS_password_hash_queue, "MINITER_PASSWORD_HASH_QUEUE");
  if (queue < -1 || queue > 10000) {
    return absl::InvalidArgumentError(
        "password_hash_queue must be between 0 and 10000");
  }
  hashing.max_waiting = queue;
  options->password_hashing_sizing = absl::StrCat(
      "memory budget ", common::FormatByteSize(budget), " = ", budget_source,
      ", ", cpus->count, " CPUs (", cpus->source, ")");
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ServerOptions> ServerOptionsFromFlags() {
  return ServerOptionsFromFlags(common::ResourceLimits::OfThisProcess());
}

absl::StatusOr<ServerOptions> ServerOptionsFromFlags(
    const common::ResourceLimits& limits) {
  ServerOptions options;
  if (std::string listen = FlagOrEnv(FLAGS_listen, "MINITER_LISTEN");
      !listen.empty()) {
    options.listen_address = listen;
  }

  options.tls_cert_file = FlagOrEnv(FLAGS_tls_cert_file, "MINITER_TLS_CERT_FILE");
  options.tls_key_file = FlagOrEnv(FLAGS_tls_key_file, "MINITER_TLS_KEY_FILE");
  if (options.tls_cert_file.empty() != options.tls_key_file.empty()) {
    return absl::InvalidArgumentError(
        "TLS needs both --tls_cert_file and --tls_key_file (or neither)");
  }

  options.database.database_url =
      FlagOrEnv(FLAGS_database_url, "MINITER_DATABASE_URL");
  if (options.database.database_url.empty()) {
    const std::string path =
        FlagOrEnv(FLAGS_database_url_file, "MINITER_DATABASE_URL_FILE");
    if (!path.empty()) {
      absl::StatusOr<std::string> url = ReadSecretFile(path, "database URL");
      if (!url.ok()) return url.status();
      options.database.database_url = *std::move(url);
    }
  }
  if (options.database.database_url.empty()) {
    return absl::InvalidArgumentError(
        "no database configured: pass --database_url or "
        "--database_url_file, or set MINITER_DATABASE_URL (scripts/run.sh "
        "starts a private MariaDB for you)");
  }
  options.database.replica_database_url =
      FlagOrEnv(FLAGS_replica_database_url, "MINITER_REPLICA_DATABASE_URL");
  absl::Status staleness = ParseDurationSetting(
      FlagOrEnv(FLAGS_replica_max_staleness, "MINITER_REPLICA_MAX_STALENESS"),
      "replica_max_staleness", &options.database.replica_max_staleness);
  if (!staleness.ok()) return staleness;

  options.redis_url = FlagOrEnv(FLAGS_redis_url, "MINITER_REDIS_URL");
  absl::Status redis_timeout = ParseDurationSetting(
      FlagOrEnv(FLAGS_redis_timeout, "MINITER_REDIS_TIMEOUT"), "redis_timeout",
      &options.redis_timeout);
  if (!redis_timeout.ok()) return redis_timeout;

  int pool_size = absl::GetFlag(FLAGS_pool_size);
  if (pool_size == 0) {
    if (const char* env = std::getenv("MINITER_POOL_SIZE"); env != nullptr) {
      if (!absl::SimpleAtoi(env, &pool_size)) pool_size = -1;
    }
  }
  if (pool_size < 0 || pool_size > 1000) {
    return absl::InvalidArgumentError("pool_size must be between 1 and 1000");
  }
  if (pool_size > 0) options.database.pool_size = pool_size;
  int pool_queue = absl::GetFlag(FLAGS_pool_queue);
  if (pool_queue == -1) {
    pool_queue = 0;
    if (const char* env = std::getenv("MINITER_POOL_QUEUE"); env != nullptr) {
      if (!absl::SimpleAtoi(env, &pool_queue)) pool_queue = -1;
    }
  }
  if (pool_queue < 0 || pool_queue > 10000) {
    return absl::InvalidArgumentError("pool_queue must be between 0 (4 x pool_size) and 10000");
  }
  options.database.pool_queue = pool_queue;

  std::string secrets = FlagOrEnv(FLAGS_token_secret, "MINITER_TOKEN_SECRET");
  if (secrets.empty()) {
    const std::string path =
        FlagOrEnv(FLAGS_token_secret_file, "MINITER_TOKEN_SECRET_FILE");
    if (!path.empty()) {
      absl::StatusOr<std::string> text = ReadSecretFile(path, "token secret");
      if (!text.ok()) return text.status();
      secrets = *std::move(text);
    }
  }
  // Lengths, count and duplicates are checked where the keys are made
  // (rules::KeyRing::Create, at server start).
  options.token_secrets = rules::KeyRing::SplitList(secrets);
  if (options.token_secrets.empty()) {
    return absl::InvalidArgumentError(
        "no token secret configured: set MINITER_TOKEN_SECRET (at least 32 "
        "bytes, e.g. `openssl rand -hex 32`) or --token_secret_file");
  }

  absl::Status lifetime = ParseDurationSetting(
      FlagOrEnv(FLAGS_token_lifetime, "MINITER_TOKEN_LIFETIME"),
      "token_lifetime", &options.token_lifetime);
  if (!lifetime.ok()) return lifetime;
  absl::Status grace = ParseDurationSetting(
      FlagOrEnv(FLAGS_shutdown_grace, "MINITER_SHUTDOWN_GRACE"),
      "shutdown_grace", &options.shutdown_grace);
  if (!grace.ok()) return grace;
  absl::Status drain = ParseDurationSetting(
      FlagOrEnv(FLAGS_drain_delay, "MINITER_DRAIN_DELAY"), "drain_delay",
      &options.drain_delay);
  if (!drain.ok()) return drain;

  struct {
    const absl::Flag<std::string>& flag;
    const char* env;
    const char* name;
    rules::RateLimit* out;
  } const rate_settings[] = {
      {FLAGS_signup_rate_per_peer, "MINITER_SIGNUP_RATE_PER_PEER",
       "signup_rate_per_peer", &options.rate_limits.signup_per_peer},
      {FLAGS_login_rate_per_peer, "MINITER_LOGIN_RATE_PER_PEER",
       "login_rate_per_peer", &options.rate_limits.login_per_peer},
      {FLAGS_login_rate_per_email, "MINITER_LOGIN_RATE_PER_EMAIL",
       "login_rate_per_email", &options.rate_limits.login_per_email},
      {FLAGS_tweet_rate_per_peer, "MINITER_TWEET_RATE_PER_PEER",
       "tweet_rate_per_peer", &options.rate_limits.tweet_per_peer},
      {FLAGS_tweet_rate_per_account, "MINITER_TWEET_RATE_PER_ACCOUNT",
       "tweet_rate_per_account", &options.rate_limits.tweet_per_account},
  };
  for (const auto& setting : rate_settings) {
    absl::Status parsed = ParseRateLimitSetting(
        FlagOrEnv(setting.flag, setting.env), setting.name, setting.out);
    if (!parsed.ok()) return parsed;
  }
  if (std::string spec = FlagOrEnv(FLAGS_login_backoff_per_email_and_peer,
                                   "MINITER_LOGIN_BACKOFF_PER_EMAIL_AND_PEER");
      !spec.empty()) {
    absl::StatusOr<rules::BackoffPolicy> policy =
        rules::ParseBackoffPolicy(spec);
    if (!policy.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "login_backoff_per_email_and_peer: ", policy.status().message()));
    }
    options.rate_limits.login_backoff_per_email_and_peer = *policy;
  }
  const int per_account = IntFlagOrEnv(FLAGS_max_calls_per_account,
                                       "MINITER_MAX_CALLS_PER_ACCOUNT");
  if (per_account < -1 || per_account > 100000) {
    return absl::InvalidArgumentError(
        "max_calls_per_account must be between 0 (no limit) and 100000");
  }
  if (per_account >= 0) {
    options.rate_limits.max_calls_in_flight_per_account = per_account;
  }
  int deep_read_cost = absl::GetFlag(FLAGS_deep_read_cost);
  if (deep_read_cost == -1) {
    if (const char* env = std::getenv("MINITER_DEEP_READ_COST");
        env != nullptr && !absl::SimpleAtoi(env, &deep_read_cost)) {
      deep_read_cost = -2;
    }
  }
  if (deep_read_cost < -1 || deep_read_cost == 0 || deep_read_cost > 100000) {
    return absl::InvalidArgumentError(
        "deep_read_cost must be between 1 (like any call) and 100000");
  }
  if (deep_read_cost > 0) options.rate_limits.deep_read_cost = deep_read_cost;
  int ipv6_prefix = absl::GetFlag(FLAGS_rate_limit_ipv6_prefix);
  if (ipv6_prefix == -1) {
    ipv6_prefix = 64;
    if (const char* env = std::getenv("MINITER_RATE_LIMIT_IPV6_PREFIX");
        env != nullptr && !absl::SimpleAtoi(env, &ipv6_prefix)) {
      ipv6_prefix = -1;
    }
  }
  if (ipv6_prefix < 1 || ipv6_prefix > 128) {
    return absl::InvalidArgumentError(
        "rate_limit_ipv6_prefix must be between 1 and 128");
  }
  options.rate_limit_ipv6_prefix = ipv6_prefix;
  for (absl::string_view proxy : absl::StrSplit(
           FlagOrEnv(FLAGS_trusted_proxies, "MINITER_TRUSTED_PROXIES"), ',',
           absl::SkipWhitespace())) {
    options.trusted_proxies.insert(
        std::string(absl::StripAsciiWhitespace(proxy)));
  }

  options.metrics_listen =
      NonDefaultFlagOrEnv(FLAGS_metrics_listen, "MINITER_METRICS_LISTEN");
  options.metrics_listen_may_fail =
      options.metrics_listen == ServerOptions::kDefaultMetricsListen;
  absl::StatusOr<api::CallLogPolicy> call_log = api::CallLogPolicy::Parse(
      FlagOrEnv(FLAGS_call_log, "MINITER_CALL_LOG"),
      FlagOrEnv(FLAGS_call_log_sample, "MINITER_CALL_LOG_SAMPLE"));
  if (!call_log.ok()) return call_log.status();
  options.call_log = *call_log;

  absl::Status hashing = SizePasswordHashing(limits, &options);
  if (!hashing.ok()) return hashing;
  return options;
}

}  // namespace miniter::app
