// server_settings.cc: the table itself, and the parsers its settings share.
#include "server/app/server_settings.h"

#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "server/common/byte_size.h"

namespace miniter::app {
namespace {

absl::Status ParsePositiveDuration(const std::string& text,
                                   absl::Duration* out) {
  absl::Duration duration;
  if (!absl::ParseDuration(text, &duration) ||
      duration <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "must be a positive duration like 30s or 24h, not \"", text, "\""));
  }
  *out = duration;
  return absl::OkStatus();
}

// For the drain delay, whose 0 means "stop taking calls at once".
absl::Status ParseDurationOrZero(const std::string& text, absl::Duration* out) {
  absl::Duration duration;
  if (!absl::ParseDuration(text, &duration) ||
      duration < absl::ZeroDuration()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "must be 0 or a positive duration like 2s, not \"", text, "\""));
  }
  *out = duration;
  return absl::OkStatus();
}

// A whole number from `low` to `high`; `range` says what they mean.
absl::Status ParseIntBetween(const std::string& text, int low, int high,
                             absl::string_view range, int* out) {
  int value = 0;
  if (!absl::SimpleAtoi(text, &value) || value < low || value > high) {
    return absl::InvalidArgumentError(
        absl::StrCat("must be a whole number ", range, ", not \"", text, "\""));
  }
  *out = value;
  return absl::OkStatus();
}

absl::Status ParseRateLimitInto(const std::string& text,
                                rules::RateLimit* out) {
  absl::StatusOr<rules::RateLimit> limit = rules::ParseRateLimit(text);
  if (!limit.ok()) return limit.status();
  *out = *limit;
  return absl::OkStatus();
}

absl::Status Store(const std::string& text, std::string* out) {
  *out = text;
  return absl::OkStatus();
}

}  // namespace

std::string ServerSetting::DefaultForHelp() const {
  if (!default_value.empty()) return std::string(default_value);
  return absl::StrCat("(", no_default, ")");
}

const std::vector<ServerSetting>& ServerSettings() {
  // Each row: name, variable, default value, what no default means, help,
  // whether empty is a value, and how the value is stored.
  static const auto* const settings = new std::vector<ServerSetting>{
      {"listen", "MINITER_LISTEN", "127.0.0.1:50051", "",
       "Address to serve gRPC on, HOST:PORT; port 0 picks a free port.", false,
       [](const std::string& v, SettingsDraft& d) {
         return Store(v, &d.options.listen_address);
       }},
      {"tls_cert_file", "MINITER_TLS_CERT_FILE", "", "plaintext",
       "PEM certificate chain; with --tls_key_file the port serves TLS only.",
       false,
       [](const std::string& v, SettingsDraft& d) {
         return Store(v, &d.options.tls_cert_file);
       }},
      {"tls_key_file", "MINITER_TLS_KEY_FILE", "", "none",
       "PEM private key of --tls_cert_file.", false,
       [](const std::string& v, SettingsDraft& d) {
         return Store(v, &d.options.tls_key_file);
       }},
      {"database_url", "MINITER_DATABASE_URL", "", "required",
       "The MariaDB database: "
       "mysql://USER:PASSWORD@HOST:PORT/DATABASE[?socket=PATH][&ssl-ca=PATH] "
       "(README.md, \"TLS to the database\"). Required, unless "
       "--database_url_file is given.",
       false,
       [](const std::string& v, SettingsDraft& d) {
         return Store(v, &d.options.database.database_url);
       }},
      {"database_url_file", "MINITER_DATABASE_URL_FILE", "", "none",
       "File holding the database URL, which keeps its password off the "
       "command line and out of the environment.",
       false,
       [](const std::string& v, SettingsDraft& d) {
         return Store(v, &d.database_url_file);
       }},
      {"replica_database_url", "MINITER_REPLICA_DATABASE_URL", "", "none",
       "A MariaDB replica of --database_url (same syntax): other users' "
       "timelines are read there while it is within --replica_max_staleness "
       "of the primary.",
       false,
       [](const std::string& v, SettingsDraft& d) {
         return Store(v, &d.options.database.replica_database_url);
       }},
      {"replica_max_staleness", "MINITER_REPLICA_MAX_STALENESS", "2s", "",
       "How far behind the primary the replica may be for reads, measured by "
       "GTID.",
       false,
       [](const std::string& v, SettingsDraft& d) {
         return ParsePositiveDuration(
             v, &d.options.database.replica_max_staleness);
       }},
      {"pool_size", "MINITER_POOL_SIZE", "16", "",
       "Database connections kept open at most, 1 to 1000.", false,
       [](const std::string& v, SettingsDraft& d) {
         return ParseIntBetween(v, 1, 1000, "from 1 to 1000",
                                &d.options.database.pool_size);
       }},
      {"pool_queue", "MINITER_POOL_QUEUE", "", "4 × pool_size",
       "Calls that may wait (up to 2 s, never past their deadline) for a "
       "database connection when all are busy; more get RESOURCE_EXHAUSTED "
       "at once. 0 to 10000; 0 is 4 × --pool_size.",
       false,
       [](const std::string& v, SettingsDraft& d) {
         return ParseIntBetween(v, 0, 10000, "from 0 (4 × pool_size) to 10000",
                                &d.options.database.pool_queue);
       }},
      {"redis_url", "MINITER_REDIS_URL", "", "none",
       "The shared memory tier of home timelines, redis://HOST[:PORT] or "
       "unix:///PATH of a Redis every server of the deployment shares; it "
       "also holds the rate limits, so the servers enforce them together. "
       "None: MariaDB alone, rate limits per process.",
       false,
       [](const std::string& v, SettingsDraft& d) {
         return Store(v, &d.options.redis_url);
       }},
      {"redis_timeout", "MINITER_REDIS_TIMEOUT", "250ms", "",
       "How long one call to Redis may take, for the memory tier and the "
       "shared rate limits alike, before it is taken out of use (reads and "
       "writes use MariaDB alone until it answers again and the outbox is "
       "applied; the rate limits are per process meanwhile).",
       false,
       [](const std::string& v, SettingsDraft& d) {
         return ParsePositiveDuration(v, &d.options.redis_timeout);
       }},
      {"token_secret", "MINITER_TOKEN_SECRET", "", "required",
       "HMAC key of access and page tokens, at least 32 bytes (openssl rand "
       "-hex 32); to rotate it, a comma-separated list, newest (signing) "
       "first, at most 8. Prefer the variable or --token_secret_file: a flag "
       "shows in ps. Required, unless --token_secret_file is given.",
       false,
       [](const std::string& v, SettingsDraft& d) {
         return Store(v, &d.token_secrets);
       }},
      {"token_secret_file", "MINITER_TOKEN_SECRET_FILE", "", "none",
       "File holding the token secret, or one secret per line, newest first.",
       false,
       [](const std::string& v, SettingsDraft& d) {
         return Store(v, &d.token_secret_file);
       }},
      {"token_lifetime", "MINITER_TOKEN_LIFETIME", "24h", "",
       "How long an access token stays valid, e.g. 24h or 90m.", false,
       [](const std::string& v, SettingsDraft& d) {
         return ParsePositiveDuration(v, &d.options.token_lifetime);
       }},
      {"signup_rate_per_peer", "MINITER_SIGNUP_RATE_PER_PEER", "30/1h", "",
       "SignUps per client address, as N/DURATION or off.", false,
       [](const std::string& v, SettingsDraft& d) {
         return ParseRateLimitInto(v, &d.options.rate_limits.signup_per_peer);
       }},
      {"login_rate_per_peer", "MINITER_LOGIN_RATE_PER_PEER", "60/1m", "",
       "Logins per client address, as N/DURATION or off.", false,
       [](const std::string& v, SettingsDraft& d) {
         return ParseRateLimitInto(v, &d.options.rate_limits.login_per_peer);
       }},
      {"login_rate_per_email", "MINITER_LOGIN_RATE_PER_EMAIL", "10/1h", "",
       "Failed logins per e-mail from addresses that have not logged into it "
       "in 30 days (bounds password guessing across all addresses), as "
       "N/DURATION or off.",
       false,
       [](const std::string& v, SettingsDraft& d) {
         return ParseRateLimitInto(v, &d.options.rate_limits.login_per_email);
       }},
      {"login_backoff_per_email_and_peer",
       "MINITER_LOGIN_BACKOFF_PER_EMAIL_AND_PEER", "5,1s,5m,1h", "",
       "Growing delays after failed logins per (e-mail, address): "
       "FREE,FIRST,MAX[,FORGET] (free failures, first delay, longest delay, "
       "forget after) or off.",
       false,
       [](const std::string& v, SettingsDraft& d) {
         absl::StatusOr<rules::BackoffPolicy> policy =
             rules::ParseBackoffPolicy(v);
         if (!policy.ok()) return policy.status();
         d.options.rate_limits.login_backoff_per_email_and_peer = *policy;
         return absl::OkStatus();
       }},
      {"tweet_rate_per_peer", "MINITER_TWEET_RATE_PER_PEER", "600/1m", "",
       "Tweets per client address, as N/DURATION or off.", false,
       [](const std::string& v, SettingsDraft& d) {
         return ParseRateLimitInto(v, &d.options.rate_limits.tweet_per_peer);
       }},
      {"tweet_rate_per_account", "MINITER_TWEET_RATE_PER_ACCOUNT", "60/1m", "",
       "Tweets per account, as N/DURATION or off. With --redis_url every rate "
       "limit is shared by the servers through it (per process while it is "
       "unreachable); without it, each server process counts alone.",
       false,
       [](const std::string& v, SettingsDraft& d) {
         return ParseRateLimitInto(v, &d.options.rate_limits.tweet_per_account);
       }},
      {"max_calls_per_account", "MINITER_MAX_CALLS_PER_ACCOUNT", "4", "",
       "Calls of one signed-in account running at once (every call that "
       "needs a token but WatchTimeline); more get RESOURCE_EXHAUSTED with a "
       "retry hint, "
       "so one account cannot hold the database pool. 0 is no limit.",
       false,
       [](const std::string& v, SettingsDraft& d) {
         return ParseIntBetween(
             v, 0, 100000, "from 0 (no limit) to 100000",
             &d.options.rate_limits.max_calls_in_flight_per_account);
       }},
      {"deep_read_cost", "MINITER_DEEP_READ_COST", "3", "",
       "How many of an account's --max_calls_per_account places a Timeline "
       "page deep in history takes (a page below the home timeline rows, "
       "read by the fallback query); the default lets an account run one "
       "such page at a time. 1 counts it like any call.",
       false,
       [](const std::string& v, SettingsDraft& d) {
         return ParseIntBetween(v, 1, 100000,
                                "from 1 (like any call) to 100000",
                                &d.options.rate_limits.deep_read_cost);
       }},
      {"max_watch_streams_per_account", "MINITER_MAX_WATCH_STREAMS_PER_ACCOUNT",
       "4", "",
       "WatchTimeline streams one account may hold open on this server at "
       "once; one more is RESOURCE_EXHAUSTED.",
       false,
       [](const std::string& v, SettingsDraft& d) {
         return ParseIntBetween(v, 1, 1000, "from 1 to 1000",
                                &d.options.watch.max_streams_per_account);
       }},
      {"max_watch_streams", "MINITER_MAX_WATCH_STREAMS", "1000", "",
       "WatchTimeline streams open on this server in all; one more is "
       "RESOURCE_EXHAUSTED. An open stream holds no thread, only its buffer.",
       false,
       [](const std::string& v, SettingsDraft& d) {
         return ParseIntBetween(v, 1, 100000, "from 1 to 100000",
                                &d.options.watch.max_streams);
       }},
      {"watch_buffer_events", "MINITER_WATCH_BUFFER_EVENTS", "256", "",
       "Events a WatchTimeline stream queues for a slow reader; when they do "
       "not fit, the stream ends with RESOURCE_EXHAUSTED and a resume-cursor "
       "trailer.",
       false,
       [](const std::string& v, SettingsDraft& d) {
         return ParseIntBetween(v, 1, 100000, "from 1 to 100000",
                                &d.options.watch.buffer_events);
       }},
      {"watch_heartbeat", "MINITER_WATCH_HEARTBEAT", "15s", "",
       "How long a WatchTimeline stream stays silent before a heartbeat "
       "event; each stream also reads its whole timeline above its position "
       "at least this often, which covers change messages lost on the way "
       "between servers.",
       false,
       [](const std::string& v, SettingsDraft& d) {
         return ParsePositiveDuration(v, &d.options.watch.heartbeat);
       }},
      {"watch_workers", "MINITER_WATCH_WORKERS", "8", "",
       "Threads that read timelines for woken WatchTimeline streams. Each "
       "read mostly waits on a memory-tier round trip, so more threads than "
       "cores deliver a tweet to many streams sooner.",
       false,
       [](const std::string& v, SettingsDraft& d) {
         return ParseIntBetween(v, 1, 256, "from 1 to 256",
                                &d.options.watch.workers);
       }},
      {"rate_limit_ipv6_prefix", "MINITER_RATE_LIMIT_IPV6_PREFIX", "64", "",
       "Rate limits count IPv6 clients per prefix of this many bits (a host "
       "usually holds a whole /64), 1 to 128; IPv4 clients per address.",
       false,
       [](const std::string& v, SettingsDraft& d) {
         return ParseIntBetween(v, 1, 128, "from 1 to 128",
                                &d.options.rate_limit_ipv6_prefix);
       }},
      {"trusted_proxies", "MINITER_TRUSTED_PROXIES", "", "none",
       "Comma-separated IPs of proxies (load balancers) whose last "
       "x-forwarded-for address is taken as the client's for rate limits.",
       false,
       [](const std::string& v, SettingsDraft& d) {
         for (absl::string_view proxy :
              absl::StrSplit(v, ',', absl::SkipWhitespace())) {
           d.options.trusted_proxies.insert(
               std::string(absl::StripAsciiWhitespace(proxy)));
         }
         return absl::OkStatus();
       }},
      {"password_hash_memory", "MINITER_PASSWORD_HASH_MEMORY", "auto", "",
       "Memory the password hashes running at once may use together (each "
       "Argon2id hash takes 64 MiB), e.g. 256MiB or 1GiB, or auto: a quarter "
       "of what the process may use (its cgroup's memory limit, else "
       "MemTotal). Hashes at once = this / 64 MiB, at least 1, at most the "
       "CPUs the cgroup's quota allows.",
       false,
       [](const std::string& v, SettingsDraft& d) {
         const std::string spec =
             absl::AsciiStrToLower(absl::StripAsciiWhitespace(v));
         if (spec == "auto") {
           d.password_hash_memory.reset();
           return absl::OkStatus();
         }
         absl::StatusOr<std::uint64_t> bytes = common::ParseByteSize(spec);
         if (!bytes.ok() || *bytes == 0) {
           return absl::InvalidArgumentError(absl::StrCat(
               "must be a positive size such as 256MiB or 1GiB, or auto, "
               "not \"",
               v, "\""));
         }
         d.password_hash_memory = *bytes;
         return absl::OkStatus();
       }},
      {"password_hash_queue", "MINITER_PASSWORD_HASH_QUEUE", "",
       "2 × hashes at once",
       "Sign-ups and logins that may wait (up to 3 s) for a password hash to "
       "finish, 0 to 10000; more get RESOURCE_EXHAUSTED at once with a retry "
       "hint.",
       false,
       [](const std::string& v, SettingsDraft& d) {
         return ParseIntBetween(v, 0, 10000, "from 0 to 10000",
                                &d.options.password_hashing.max_waiting);
       }},
      {"metrics_listen", "MINITER_METRICS_LISTEN",
       ServerOptions::kDefaultMetricsListen, "",
       "IP:PORT to serve Prometheus metrics on (GET /metrics), apart from the "
       "gRPC port; empty (--metrics_listen=, or the variable set but empty) "
       "turns them off. An address given must be free or the server does not "
       "start; the default, when taken (by a second server on the machine), "
       "is only logged.",
       true,
       [](const std::string& v, SettingsDraft& d) {
         d.options.metrics_listen = v;
         d.options.metrics_listen_may_fail =
             v == ServerOptions::kDefaultMetricsListen;
         return absl::OkStatus();
       }},
      {"call_log", "MINITER_CALL_LOG", "all", "",
       "One JSON line per call on stderr: all, errors (calls that did not "
       "end OK) or off.",
       false,
       [](const std::string& v, SettingsDraft& d) {
         absl::StatusOr<api::CallLogPolicy> policy =
             api::CallLogPolicy::Parse(v, "");
         if (!policy.ok()) return policy.status();
         d.options.call_log.mode = policy->mode;
         return absl::OkStatus();
       }},
      {"call_log_sample", "MINITER_CALL_LOG_SAMPLE", "1", "",
       "With --call_log=all, the share of successful calls logged, 0 to 1 "
       "(failed calls, and calls whose W3C traceparent is sampled, always "
       "are).",
       false,
       [](const std::string& v, SettingsDraft& d) {
         absl::StatusOr<api::CallLogPolicy> policy =
             api::CallLogPolicy::Parse("", v);
         if (!policy.ok()) return policy.status();
         d.options.call_log.sample = policy->sample;
         return absl::OkStatus();
       }},
      {"drain_delay", "MINITER_DRAIN_DELAY", "0", "",
       "After SIGTERM, keep serving this long with readiness NOT_SERVING "
       "(liveness stays SERVING) so that load balancers stop sending calls "
       "first, e.g. 2s; 0 stops taking calls at once.",
       false,
       [](const std::string& v, SettingsDraft& d) {
         return ParseDurationOrZero(v, &d.options.drain_delay);
       }},
      {"shutdown_grace", "MINITER_SHUTDOWN_GRACE", "10s", "",
       "How long in-flight calls may run on after SIGTERM or SIGINT before "
       "they are cancelled.",
       false,
       [](const std::string& v, SettingsDraft& d) {
         return ParsePositiveDuration(v, &d.options.shutdown_grace);
       }},
  };
  return *settings;
}

}  // namespace miniter::app
