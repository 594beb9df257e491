// miniter_server.h: assembles a running miniter server: storage, rules,
// the gRPC service, health and reflection. main() and the integration tests
// both start servers through this class.
#ifndef MINITER_SERVER_APP_MINITER_SERVER_H_
#define MINITER_SERVER_APP_MINITER_SERVER_H_

#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/synchronization/notification.h"
#include "grpcpp/grpcpp.h"
#include "server/api/miniter_service.h"
#include "server/app/health_service.h"
#include "server/app/server_metrics.h"
#include "server/app/server_options.h"
#include "server/storage/database_health.h"

namespace miniter::app {

class MiniterServer {
 public:
  // Connects to the database (waiting up to options.database_wait for it),
  // applies migrations, and starts serving. INVALID_ARGUMENT for bad
  // options, UNAVAILABLE when the database never answered or the address
  // could not be bound, CANCELLED when `stop` (may be null) was notified
  // while waiting for the database: the wait ends at once, the attempt in
  // flight within the database's connect timeout.
  static absl::StatusOr<std::unique_ptr<MiniterServer>> Start(
      const ServerOptions& options, const absl::Notification* stop = nullptr);

  // Shuts down if that has not happened yet.
  ~MiniterServer();

  MiniterServer(const MiniterServer&) = delete;
  MiniterServer& operator=(const MiniterServer&) = delete;

  // The port actually bound (useful when listening on port 0).
  int port() const { return port_; }
  // "host:port/database" of the database, without credentials.
  const std::string& database_target() const { return database_target_; }
  // The port of the metrics endpoint; 0 when metrics are off.
  int metrics_port() const { return metrics_ ? metrics_->port() : 0; }

  // Readiness goes NOT_SERVING at once while liveness stays SERVING; after
  // options.drain_delay every health status goes NOT_SERVING, Watch and
  // WatchTimeline streams end, new calls are refused, and in-flight calls get
  // up to options.shutdown_grace to finish, then are cancelled. Idempotent.
  void Shutdown();

 private:
  MiniterServer() = default;
  // Polls the database once a second and mirrors the answer in readiness,
  // so load balancers stop sending traffic while the database is away and
  // resume when it returns. Liveness does not follow it: restarting the
  // server would not bring the database back.
  void WatchDatabaseHealth();
  void WatchDatabaseHealthOnce();
  // Sets readiness under each of its service names (miniter.proto).
  void SetReady(bool ready);

  ServerOptions options_;
  int port_ = 0;
  std::string database_target_;
  std::shared_ptr<storage::DatabaseHealth> database_health_;
  // WatchTimeline's streams; ended (UNAVAILABLE) by Shutdown.
  std::shared_ptr<watch::TimelineWatch> watch_;
  std::unique_ptr<api::MiniterService> service_;
  std::unique_ptr<HealthService> health_;
  // Null when metrics are off.
  std::unique_ptr<ServerMetrics> metrics_;
  std::unique_ptr<grpc::Server> server_;
  absl::Notification stop_health_watch_;
  std::thread health_watcher_;
  bool shut_down_ = false;
  // Touched only by the health watcher (and by Start before it exists).
  bool serving_ = false;
  bool first_health_check_ = true;
};

}  // namespace miniter::app

#endif  // MINITER_SERVER_APP_MINITER_SERVER_H_
