// server_options.h: everything an operator can configure, and where each
// setting comes from (flag, else environment variable, else default; the
// settings themselves are the table of server_settings.h).
#ifndef MINITER_SERVER_APP_SERVER_OPTIONS_H_
#define MINITER_SERVER_APP_SERVER_OPTIONS_H_

#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "server/api/call_log_policy.h"
#include "server/common/resource_limits.h"
#include "server/rules/password_hasher.h"
#include "server/rules/rate_limiter.h"
#include "server/storage/mysql/mysql_storage.h"
#include "server/watch/timeline_watch.h"

namespace miniter::app {

// The defaults below serve the in-process servers of the tests, which fill
// the options in directly. miniter-server takes those of its settings from
// the table of server_settings.cc instead; tests/unit/server_options_test.cc
// checks that the two agree.
struct ServerOptions {
  // host:port to listen on; port 0 picks a free port (tests).
  std::string listen_address = "127.0.0.1:50051";
  // PEM files of the server's certificate chain and private key. When both
  // are set the port speaks TLS only; when neither, plaintext only.
  std::string tls_cert_file;
  std::string tls_key_file;
  storage::MySqlOptions database;
  // The memory tier (redis://HOST[:PORT] or unix:///PATH); empty: none.
  std::string redis_url;
  // How long one call to Redis may take (the I/O timeout), the tier's and
  // the shared rate limits' alike, before their breaker takes it out of use.
  absl::Duration redis_timeout = absl::Milliseconds(250);
  // WatchTimeline: stream limits, buffer and heartbeat (the settle window
  // and the worker count are derived, server/app/miniter_server.cc).
  watch::WatchOptions watch;
  // Newest (signing) first, each at least 32 bytes, at most 8; every
  // server of one deployment shares the list (rules/key_ring.h).
  std::vector<std::string> token_secrets;
  absl::Duration token_lifetime = absl::Hours(24);
  // How long in-flight calls may run on after SIGTERM before cancellation.
  absl::Duration shutdown_grace = absl::Seconds(10);
  // After SIGTERM, how long the server goes on serving with readiness
  // NOT_SERVING (liveness SERVING) before it stops taking calls, so that
  // load balancers stop sending it new ones first. 0 (default): stop at
  // once.
  absl::Duration drain_delay = absl::ZeroDuration();
  // HTTP/2 bounds per connection (docs/reliability.md, "Connections"):
  // calls in flight on one connection (more wait for a free stream)...
  int max_concurrent_streams = 100;
  // ...how long a connection lives before the server asks the client to
  // reconnect (GOAWAY; clients spread over servers again, and no stream
  // lives forever), with a grace for the calls still running...
  absl::Duration max_connection_age = absl::Minutes(30);
  absl::Duration max_connection_age_grace = absl::Seconds(30);
  // ...the server's own keepalive pings, which find dead peers...
  absl::Duration keepalive_time = absl::Minutes(1);
  absl::Duration keepalive_timeout = absl::Seconds(20);
  // ...and the least time between a client's pings without data: a client
  // pinging more often is sent GOAWAY after two such pings.
  absl::Duration min_client_ping_interval = absl::Seconds(30);
  // Requests above this size get RESOURCE_EXHAUSTED before any handler
  // runs. The largest valid request (a SignUp with a 2000-character
  // profile) is far below it.
  int max_receive_message_bytes = 64 * 1024;
  // Apply sql/migrations at start (off for a read-only deployment check).
  bool apply_migrations = true;
  // How long start-up waits for the database to answer.
  absl::Duration database_wait = absl::Seconds(30);
  // ServerOptionsFromSettings sizes max_concurrent from
  // --password_hash_memory and the process's cgroup limits.
  rules::PasswordHasherOptions password_hashing;
  // How those two were chosen, for the start-up log; empty when the
  // options were filled in directly (tests).
  std::string password_hashing_sizing;
  // Shared by every server through `redis_url` when it is set, else per
  // process (N servers let through up to N times as much); see
  // rules::LimiterState. Production defaults; tests and the benchmark raise
  // them explicitly.
  rules::RateLimitOptions rate_limits = DefaultRateLimits();
  // Direct peers (IP addresses) whose last x-forwarded-for address is
  // taken as the client's for rate limits, e.g. the load balancer.
  std::set<std::string> trusted_proxies;
  // IP:PORT of the Prometheus endpoint (server/metrics); empty: none (the
  // in-process test servers' choice). The --metrics_listen setting defaults
  // to kDefaultMetricsListen, and sets metrics_listen_may_fail for that
  // address: the default taken by another server on the machine is logged,
  // not fatal; an address chosen on purpose must be served or the server
  // does not start.
  static constexpr char kDefaultMetricsListen[] = "127.0.0.1:9464";
  std::string metrics_listen;
  bool metrics_listen_may_fail = false;
  // IPv6 clients are counted per prefix of this length (one host usually
  // holds a /64); 128 counts each address.
  int rate_limit_ipv6_prefix = 64;
  // Which calls get a JSON line on stderr (docs/operations.md, "The log").
  api::CallLogPolicy call_log;

  static rules::RateLimitOptions DefaultRateLimits() {
    rules::RateLimitOptions limits;
    limits.signup_per_peer = {30, absl::Hours(1)};
    limits.login_per_peer = {60, absl::Minutes(1)};
    // Failed logins per e-mail from addresses that have not logged into
    // it in 30 days (docs/reliability.md, section 10).
    limits.login_per_email = {10, absl::Hours(1)};
    limits.login_backoff_per_email_and_peer = {
        5, absl::Seconds(1), absl::Minutes(5), absl::Hours(1)};
    limits.tweet_per_peer = {600, absl::Minutes(1)};
    limits.tweet_per_account = {60, absl::Minutes(1)};
    // Against one account holding the pool: a quarter of the default pool.
    limits.max_calls_in_flight_per_account = 4;
    // One deep page at a time per account: the fallback query reads the
    // whole history of the followees, tens of ms to seconds of a core.
    limits.deep_read_cost = 3;
    return limits;
  }
};

// Settings by flag name (without dashes) or by environment variable name.
using SettingValues = std::map<std::string, std::string, std::less<>>;

// The variables of every setting (server_settings.h) this process has,
// empty ones included.
SettingValues SettingsEnvironment();

// Builds options from the settings of server_settings.h: each from its flag
// in `flags` (by name), else from its variable in `environment`, else from
// its default. Then the secrets are read from their files when not given
// directly, and the password hashing is sized against `limits`.
// INVALID_ARGUMENT names a missing or bad setting by its flag and its
// variable; FAILED_PRECONDITION says when the process's memory or CPU
// limits cannot be read (then --password_hash_memory can be set by hand).
absl::StatusOr<ServerOptions> ServerOptionsFromSettings(
    const SettingValues& flags, const SettingValues& environment,
    const common::ResourceLimits& limits);

}  // namespace miniter::app

#endif  // MINITER_SERVER_APP_SERVER_OPTIONS_H_
