// server_metrics.h: what miniter-server shows Prometheus, assembled: the
// grpc_server_* families of the Miniter and Health services (counted by an
// interceptor), the components' own families (database pool, password
// hashing, caches, rate-limit refusals, memory tier, watch streams), and the
// endpoint that serves them with the process and build families on
// --metrics_listen. The metrics themselves are in server/metrics/; with this
// file, the only code that uses prometheus-cpp (the components report plain
// structs).
#ifndef MINITER_SERVER_APP_SERVER_METRICS_H_
#define MINITER_SERVER_APP_SERVER_METRICS_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "grpcpp/support/server_interceptor.h"
#include "server/app/server_options.h"
#include "server/common/admission_stats.h"
#include "server/common/cache_stats.h"
#include "server/metrics/grpc_server_metrics.h"
#include "server/metrics/metrics_endpoint.h"
#include "server/storage/redis/redis_home_timeline_tier.h"
#include "server/watch/timeline_watch.h"

namespace miniter::app {

class ServerMetrics {
 public:
  // What the server's components report, read at each scrape; each may be
  // empty (not reported). Thread-safe.
  struct Sources {
    // miniter_db_pool_*
    std::function<common::AdmissionStats()> database_pool;
    // miniter_password_hash_*
    std::function<common::AdmissionStats()> password_hashing;
    // miniter_cache_*{cache}
    std::function<std::vector<common::CacheStats>()> caches;
    // miniter_rate_limit_refusals_total{limit}: (limit, refusals) pairs.
    std::function<std::vector<std::pair<std::string, std::uint64_t>>()>
        rate_limit_refusals;
    // miniter_memory_tier_*: calls and errors by operation, and whether the
    // tier is in use. Empty without a tier.
    std::function<
        std::vector<storage::redis::RedisHomeTimelineTier::CallCount>()>
        memory_tier_calls;
    std::function<bool()> memory_tier_usable;
    // miniter_watch_*: WatchTimeline streams and the reads they cost.
    std::function<watch::WatchStats()> watch;
  };

  // Starts serving options.metrics_listen. Null when it is empty (metrics
  // off), and when it cannot be served but options.metrics_listen_may_fail
  // (then a warning is logged). UNAVAILABLE or INVALID_ARGUMENT otherwise
  // when it cannot be served.
  static absl::StatusOr<std::unique_ptr<ServerMetrics>> Start(
      const ServerOptions& options, const Sources& sources);

  // For ServerBuilder::experimental().SetInterceptorCreators(): counts the
  // calls of the server it is installed in. Install it after interceptors
  // that rewrite statuses (grpc_metrics_interceptor.h).
  std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
  NewInterceptorFactory() const;

  // The port the endpoint bound.
  int port() const { return endpoint_->port(); }

 private:
  ServerMetrics() = default;

  std::shared_ptr<metrics::GrpcServerMetrics> calls_;
  std::unique_ptr<metrics::MetricsEndpoint> endpoint_;
};

}  // namespace miniter::app

#endif  // MINITER_SERVER_APP_SERVER_METRICS_H_
