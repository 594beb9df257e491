// miniter_server.cc: start-up order, health watching and graceful shutdown.
#include "server/app/miniter_server.h"

#include <algorithm>
#include <fstream>
#include <functional>
#include <iostream>
#include <iterator>
#include <sstream>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "grpc/health/v1/health.pb.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/resource_quota.h"
#include "server/api/call_log_interceptor.h"
#include "server/api/request_decoding_interceptor.h"
#include "server/app/startup_log.h"
#include "server/common/byte_size.h"
#include "server/common/log.h"
#include "server/rules/local_limiter_state.h"
#include "server/rules/name_key_fill.h"
#include "server/storage/mysql/mysql_storage.h"
#include "server/storage/redis/redis_home_timeline_tier.h"
#include "server/storage/redis/redis_limiter_state.h"
#include "server/storage/redis/redis_timeline_events.h"

namespace miniter::app {
namespace {

using common::LogLine;

constexpr char kServiceName[] = "miniter.v1.Miniter";
// The health service names (documented in miniter.proto). Liveness: the
// process answers; it never follows the database. Readiness: the database
// answers and the server is not draining; under "" (what a probe naming no
// service asks) and the API's name (HAProxy's check, the README) too, so
// load balancers that checked "" or the API before liveness existed keep
// checking readiness.
constexpr char kLivenessService[] = "liveness";
constexpr const char* kReadinessServices[] = {"", "readiness", kServiceName};
// TokenService::DeriveKey's purpose for the key that hashes rate-limit keys
// in the memory tier.
constexpr char kRateLimitKeyLabel[] = "miniter rate limit keys v1";

// Retries `attempt` until it stops returning UNAVAILABLE or `wait` runs out,
// so that a server started alongside its database does not give up while
// the database is still starting. CANCELLED as soon as `stop` (may be null)
// is notified between attempts, so that SIGTERM ends the wait.
template <typename T, typename Attempt>
absl::StatusOr<T> RetryWhileUnavailable(absl::Duration wait,
                                        const absl::Notification* stop,
                                        Attempt attempt) {
  const absl::Time give_up = absl::Now() + wait;
  bool logged = false;
  while (true) {
    absl::StatusOr<T> result = attempt();
    if (!absl::IsUnavailable(result.status()) || absl::Now() >= give_up) {
      return result;
    }
    if (!logged) {
      LogLine(absl::StrCat("waiting for the database to answer (",
                           result.status().message(), ")..."));
      logged = true;
    }
    constexpr absl::Duration kPause = absl::Milliseconds(500);
    if (stop == nullptr) {
      absl::SleepFor(kPause);
    } else if (stop->WaitForNotificationWithTimeout(kPause)) {
      return absl::CancelledError(
          "stopped while waiting for the database to answer");
    }
  }
}

absl::StatusOr<std::string> ReadPemFile(const std::string& path,
                                        absl::string_view what) {
  std::ifstream file(path);
  std::stringstream contents;
  contents << file.rdbuf();
  if (!file || contents.str().empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot read the TLS ", what, " file ", path));
  }
  return contents.str();
}

// Plaintext, or TLS when a certificate and key are configured. There is no
// mixed mode: a TLS port refuses plaintext clients.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> ServerCredentials(
    const ServerOptions& options) {
  if (options.tls_cert_file.empty()) return grpc::InsecureServerCredentials();
  absl::StatusOr<std::string> chain =
      ReadPemFile(options.tls_cert_file, "certificate");
  if (!chain.ok()) return chain.status();
  absl::StatusOr<std::string> key = ReadPemFile(options.tls_key_file, "key");
  if (!key.ok()) return key.status();
  grpc::SslServerCredentialsOptions ssl;
  ssl.pem_key_cert_pairs.push_back({*std::move(key), *std::move(chain)});
  return grpc::SslServerCredentials(ssl);
}

// Room for every call the pool admits (pool_size running, pool_queue
// queued) twice over, since calls also answer health checks, plus every
// call the password hasher admits (running and waiting), plus gRPC's own
// pollers; a fixed cap, not a function of load.
int MaxServerThreads(const storage::MySqlOptions& database,
                     const rules::PasswordHasher& hasher) {
  return 2 * (database.pool_size + storage::EffectivePoolQueue(database)) +
         hasher.max_concurrent() + hasher.max_waiting() + 16;
}

// WatchTimeline's streams. The settle window (watch_position.h) must outlast
// any Tweet transaction: a call with a deadline ends its statements by it,
// and one without is bounded per statement by the database I/O timeout,
// and a Tweet runs about six statements after its INSERT
// (docs/timeline-design.md, "Watching a timeline").
absl::StatusOr<std::shared_ptr<watch::TimelineWatch>> StartTimelineWatch(
    const ServerOptions& options, std::shared_ptr<storage::TweetStore> tweets,
    std::shared_ptr<storage::FollowStore> follows,
    const rules::TokenService& tokens) {
  absl::StatusOr<watch::WatchCursorCodec> cursors =
      watch::WatchCursorCodec::Create(
          tokens.DeriveKeys(watch::kWatchCursorKeyLabel));
  if (!cursors.ok()) return cursors.status();
  watch::WatchOptions watch_options = options.watch;
  watch_options.settle =
      std::max(absl::Seconds(60), 6 * options.database.io_timeout);
  return std::make_shared<watch::TimelineWatch>(
      std::move(tweets), std::move(follows), *std::move(cursors),
      watch_options);
}

// How a committed change reaches the streams: this server's at once, the
// other servers' through Redis pub/sub when there is a Redis. Without one,
// streams learn of other servers' tweets only by their periodic re-read.
absl::StatusOr<std::function<void(const storage::TimelineEvent&)>>
AnnounceTimelineChanges(const ServerOptions& options,
                        const std::shared_ptr<watch::TimelineWatch>& watch) {
  if (options.redis_url.empty()) {
    return
        [watch](const storage::TimelineEvent& event) { watch->OnEvent(event); };
  }
  storage::redis::RedisTimelineEventsOptions channel;
  channel.url = options.redis_url;
  channel.io_timeout = options.redis_timeout;
  absl::StatusOr<std::unique_ptr<storage::redis::RedisTimelineEvents>> opened =
      storage::redis::RedisTimelineEvents::Create(channel);
  if (!opened.ok()) return opened.status();
  std::shared_ptr<storage::TimelineEventBus> bus = *std::move(opened);
  storage::TimelineEventListener listener;
  listener.on_event = [watch](const storage::TimelineEvent& event) {
    watch->OnEvent(event);
  };
  listener.on_maybe_lost = [watch] { watch->OnEventsMaybeLost(); };
  bus->Subscribe(std::move(listener));
  return [watch, bus](const storage::TimelineEvent& event) {
    watch->OnEvent(event);
    bus->Publish(event);
  };
}

}  // namespace

absl::StatusOr<std::unique_ptr<MiniterServer>> MiniterServer::Start(
    const ServerOptions& options, const absl::Notification* stop) {
  // Debian's Abseil is built without NDEBUG, so absl::Mutex records every
  // lock order in a global graph to detect deadlocks: a measurable share of
  // the server's CPU on the Timeline path, behind one global lock (the
  // figure: docs/profile.md, "Timeline, before").
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  std::unique_ptr<MiniterServer> server(new MiniterServer());
  server->options_ = options;

  absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> credentials =
      ServerCredentials(options);
  if (!credentials.ok()) return credentials.status();

  absl::StatusOr<std::unique_ptr<rules::TokenService>> tokens =
      rules::TokenService::Create(options.token_secrets,
                                  options.token_lifetime);
  if (!tokens.ok()) return tokens.status();
  // Key ids are public (every token carries one); they let an operator
  // check that a rotation reached every server.
  const std::vector<std::string> key_ids = (*tokens)->KeyIds();
  LogLine(absl::StrCat("tokens signed with key id ", key_ids.front(),
                       key_ids.size() == 1
                           ? std::string()
                           : absl::StrCat("; also accepted: ",
                                          absl::StrJoin(key_ids.begin() + 1,
                                                        key_ids.end(), ", "))));

  // Migrations first: the memory tier's outbox table must exist before
  // the stores start sweeping it. Each step says what it waits for and how
  // long it took, so a slow start can be told apart from a hung one in the
  // log.
  StartupLog startup;
  startup.Step(absl::StrCat(
      "connecting to MariaDB and ",
      options.apply_migrations ? "applying migrations" : "checking the schema",
      " (waiting up to ", absl::FormatDuration(options.database_wait),
      " for the database)"));
  if (options.apply_migrations) {
    absl::StatusOr<std::vector<int>> applied =
        RetryWhileUnavailable<std::vector<int>>(
            options.database_wait, stop,
            [&] { return storage::ApplyMigrations(options.database); });
    // The storage layer logs each migration it applies.
    if (!applied.ok()) return applied.status();
  }
  startup.Step("checking the database's durability settings");
  absl::StatusOr<std::vector<std::string>> durability =
      RetryWhileUnavailable<std::vector<std::string>>(
          options.database_wait, stop,
          [&] { return storage::CheckDurability(options.database); });
  if (!durability.ok()) return durability.status();
  for (const std::string& warning : *durability) {
    LogLine(common::LogLevel::kWarning, warning);
  }

  storage::MySqlOptions database = options.database;
  std::shared_ptr<storage::redis::RedisHomeTimelineTier> memory_tier;
  if (!options.redis_url.empty()) {
    // Not a step: nothing waits for it. The tier's prober logs "memory
    // tier: in use" once Redis answers and the outbox is applied.
    LogLine(absl::StrCat("starting: memory tier at ", options.redis_url,
                         " (used once it answers; MariaDB alone until then)"));
    storage::redis::RedisTierOptions tier;
    tier.url = options.redis_url;
    tier.io_timeout = options.redis_timeout;
    tier.retention = options.database.timeline.retention;
    absl::StatusOr<std::unique_ptr<storage::redis::RedisHomeTimelineTier>>
        opened = storage::redis::RedisHomeTimelineTier::Create(tier);
    if (!opened.ok()) return opened.status();
    memory_tier = *std::move(opened);
    database.tier = memory_tier;
  }
  startup.Step(database.replica_database_url.empty()
                   ? "opening the storage (pools, caches, outbox sweeper)"
                   : "opening the storage and the replica");
  absl::StatusOr<storage::MySqlStorage> storage =
      storage::OpenMySqlStorage(database);
  if (!storage.ok()) return storage.status();
  server->database_target_ = storage->target;
  server->database_health_ = storage->health;

  // Before the port opens, so SearchUsers finds every existing user.
  startup.Step("giving users from before migration 0006 their search keys");
  absl::StatusOr<std::int64_t> keyed =
      rules::FillMissingNameKeys(*storage->users);
  if (!keyed.ok()) return keyed.status();
  if (*keyed > 0) {
    LogLine(absl::StrCat("search keys: set for ", *keyed, " users"));
  }

  rules::MiniterRules::Dependencies dependencies;
  dependencies.users = storage->users;
  dependencies.tweets = storage->tweets;
  dependencies.lagging_timelines = storage->lagging_timelines;
  dependencies.follows = storage->follows;
  auto hasher =
      std::make_shared<rules::PasswordHasher>(options.password_hashing);
  LogLine(absl::StrCat(
      "password hashing: up to ", hasher->max_concurrent(), " at once (",
      common::FormatByteSize(options.password_hashing.mem_limit_bytes),
      " each), ", hasher->max_waiting(), " more may wait up to ",
      absl::FormatDuration(options.password_hashing.max_wait),
      ", the rest RESOURCE_EXHAUSTED with retry hint ",
      absl::FormatDuration(hasher->retry_after()),
      options.password_hashing_sizing.empty()
          ? ""
          : absl::StrCat("; sized from ", options.password_hashing_sizing)));
  dependencies.password_hasher = hasher;
  dependencies.tokens =
      std::shared_ptr<const rules::TokenService>(std::move(*tokens));
  dependencies.rate_limits = options.rate_limits;
  if (!options.redis_url.empty()) {
    // One limit for the whole cluster; each process's own limits while
    // Redis is unreachable (redis_limiter_state.h).
    storage::redis::RedisLimiterOptions shared;
    shared.url = options.redis_url;
    shared.io_timeout = options.redis_timeout;
    shared.key_secret = dependencies.tokens->DeriveKey(kRateLimitKeyLabel);
    absl::StatusOr<std::unique_ptr<storage::redis::RedisLimiterState>> limits =
        storage::redis::RedisLimiterState::Create(
            std::move(shared), options.rate_limits,
            std::make_unique<rules::LocalLimiterState>(options.rate_limits));
    if (!limits.ok()) return limits.status();
    dependencies.limiter_state = *std::move(limits);
  }
  absl::StatusOr<std::shared_ptr<watch::TimelineWatch>> watch =
      StartTimelineWatch(options, storage->tweets, storage->follows,
                         *dependencies.tokens);
  if (!watch.ok()) return watch.status();
  server->watch_ = *watch;
  absl::StatusOr<std::function<void(const storage::TimelineEvent&)>> announce =
      AnnounceTimelineChanges(options, server->watch_);
  if (!announce.ok()) return announce.status();
  dependencies.timeline_changed = *std::move(announce);
  auto miniter_rules =
      std::make_shared<rules::MiniterRules>(std::move(dependencies));
  server->service_ = std::make_unique<api::MiniterService>(
      miniter_rules, options.trusted_proxies, options.rate_limit_ipv6_prefix,
      server->watch_, options.watch.buffer_events);

  // Our own health service rather than gRPC's default one: its Watch
  // streams end at shutdown (health_service.h). Not ready until the first
  // database check below.
  server->health_ = std::make_unique<HealthService>();
  server->health_->SetServing(kLivenessService, true);
  server->SetReady(false);

  // Before the port opens, so that the first call is counted, and so that
  // an address that cannot be served stops the start-up.
  ServerMetrics::Sources metric_sources;
  metric_sources.database_pool = storage->pool_stats;
  metric_sources.caches = storage->cache_stats;
  metric_sources.password_hashing = [hasher] { return hasher->QueueStats(); };
  metric_sources.rate_limit_refusals = [miniter_rules] {
    return miniter_rules->RateLimitRefusals();
  };
  if (memory_tier != nullptr) {
    metric_sources.memory_tier_calls = [memory_tier] {
      return memory_tier->CallCounts();
    };
    metric_sources.memory_tier_usable = [memory_tier] {
      return memory_tier->Usable();
    };
  }
  metric_sources.watch = [watch = server->watch_] { return watch->Stats(); };
  absl::StatusOr<std::unique_ptr<ServerMetrics>> metrics =
      ServerMetrics::Start(options, metric_sources);
  if (!metrics.ok()) return metrics.status();
  server->metrics_ = *std::move(metrics);
  startup.Step(absl::StrCat("listening on ", options.listen_address));
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  builder.AddListeningPort(options.listen_address, *credentials,
                           &server->port_);
  builder.RegisterService(server->service_.get());
  builder.RegisterService(server->health_.get());
  builder.SetMaxReceiveMessageSize(options.max_receive_message_bytes);
  auto ms = [](absl::Duration d) {
    return static_cast<int>(absl::ToInt64Milliseconds(d));
  };
  builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS,
                             options.max_concurrent_streams);
  builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_MS,
                             ms(options.max_connection_age));
  builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_GRACE_MS,
                             ms(options.max_connection_age_grace));
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS,
                             ms(options.keepalive_time));
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS,
                             ms(options.keepalive_timeout));
  builder.AddChannelArgument(
      GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS,
      ms(options.min_client_ping_interval));
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MAX_PING_STRIKES, 2);
  // Bounded threads: a hung database holds at most pool_size threads in
  // queries and pool_queue more waiting for a connection; the quota caps
  // everything else, so that threads cannot grow without bound (gRPC answers
  // RESOURCE_EXHAUSTED once it is used up).
  grpc::ResourceQuota thread_quota("miniter-server-threads");
  thread_quota.SetMaxThreads(MaxServerThreads(options.database, *hasher));
  builder.SetResourceQuota(thread_quota);
  // Idle handler threads kept polling for the next call. gRPC's default (2)
  // makes every call beyond two in flight start a thread and end it after
  // the reply, which showed up as clone/exit in the server's CPU profile at
  // the Timeline peak (docs/profile.md, "Timeline, before", with the
  // figure). As many as can be busy in queries keeps them alive.
  builder.SetSyncServerOption(
      grpc::ServerBuilder::SyncServerOption::MAX_POLLERS,
      options.database.pool_size + 2);
  std::vector<
      std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
      interceptors;
  interceptors.push_back(
      std::make_unique<api::RequestDecodingInterceptorFactory>());
  // Both after the decoding interceptor, so that the status counted and
  // logged is the one it rewrote and sent.
  if (server->metrics_ != nullptr) {
    interceptors.push_back(server->metrics_->NewInterceptorFactory());
  }
  LogLine(absl::StrCat("call log: ", options.call_log.Describe()));
  if (options.call_log.mode != api::CallLogPolicy::Mode::kOff) {
    interceptors.push_back(
        std::make_unique<api::CallLogInterceptorFactory>(options.call_log));
  }
  builder.experimental().SetInterceptorCreators(std::move(interceptors));
  server->server_ = builder.BuildAndStart();
  if (server->server_ == nullptr || server->port_ == 0) {
    return absl::UnavailableError(
        absl::StrCat("could not listen on ", options.listen_address,
                     " (address in use, or not an address of this machine?)"));
  }
  startup.Step("first database health check");
  server->WatchDatabaseHealthOnce();
  server->health_watcher_ =
      std::thread([s = server.get()] { s->WatchDatabaseHealth(); });
  startup.Done();
  return server;
}

void MiniterServer::WatchDatabaseHealthOnce() {
  const bool serving = database_health_->Ping().ok();
  if (serving != serving_) {
    if (!first_health_check_) {
      LogLine(serving ? "database reachable again: readiness SERVING"
                      : "database unreachable: readiness NOT_SERVING "
                        "(liveness stays SERVING)");
    }
    serving_ = serving;
  }
  first_health_check_ = false;
  SetReady(serving);
}

void MiniterServer::SetReady(bool ready) {
  health_->SetServing(std::vector<std::string>(std::begin(kReadinessServices),
                                               std::end(kReadinessServices)),
                      ready);
}

void MiniterServer::WatchDatabaseHealth() {
  while (!stop_health_watch_.WaitForNotificationWithTimeout(absl::Seconds(1))) {
    WatchDatabaseHealthOnce();
  }
}

void MiniterServer::Shutdown() {
  if (shut_down_) return;
  shut_down_ = true;
  stop_health_watch_.Notify();
  if (health_watcher_.joinable()) health_watcher_.join();
  // Readiness first (the watcher that set it has stopped, so it stays
  // NOT_SERVING), so load balancers stop routing here. Liveness stays
  // SERVING while the server drains: the process is healthy, and a failed
  // liveness probe now would only have it killed before its calls finish.
  SetReady(false);
  // Keep serving while the load balancer's health checks notice: gRPC's
  // Shutdown() refuses streams a proxy may already have sent on its open
  // connection, and HAProxy cannot resend those (only failed connects).
  if (options_.drain_delay > absl::ZeroDuration()) {
    absl::SleepFor(options_.drain_delay);
  }
  // Then every status freezes at NOT_SERVING and each Watch stream is told
  // so and ends, so that no watcher holds the server open through its grace.
  health_->Shutdown();
  // Likewise every WatchTimeline stream ends now (UNAVAILABLE, with the
  // cursor to resume from elsewhere) rather than holding the grace.
  watch_->Shutdown();
  server_->Shutdown(absl::ToChronoTime(absl::Now() + options_.shutdown_grace));
  server_->Wait();
}

MiniterServer::~MiniterServer() {
  if (server_ != nullptr) Shutdown();
}

}  // namespace miniter::app
