// health_service.h: miniter's own grpc.health.v1.Health service, replacing
// gRPC's default one so that shutdown ends Watch streams: when the server
// stops taking calls (after SIGTERM and the drain delay) every watcher is
// sent NOT_SERVING and its stream finishes, so a watching load balancer (or
// the reliability suite) does not hold the server open for its whole grace
// period. Check and Watch otherwise follow the health protocol
// (https://github.com/grpc/grpc/blob/master/doc/health-checking.md). Which
// service names exist and what they follow (liveness, readiness) is the
// server's choice (miniter_server.cc).
#ifndef MINITER_SERVER_APP_HEALTH_SERVICE_H_
#define MINITER_SERVER_APP_HEALTH_SERVICE_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "grpc/health/v1/health.grpc.pb.h"

namespace miniter::app {

// Thread-safe. Services are known once given a status; unknown ones are
// NOT_FOUND to Check and SERVICE_UNKNOWN to Watch.
class HealthService final : public grpc::health::v1::Health::CallbackService {
 public:
  using ServingStatus = grpc::health::v1::HealthCheckResponse::ServingStatus;

  HealthService();
  ~HealthService() override;

  // Sets `service`'s status ("" is the server as a whole) and tells its
  // watchers. Ignored after Shutdown().
  void SetServing(const std::string& service, bool serving);
  // The same for several services at once: no Check sees some of them
  // changed and others not yet.
  void SetServing(const std::vector<std::string>& services, bool serving);

  // Every service NOT_SERVING from now on; each open Watch stream is sent
  // NOT_SERVING and then finishes with OK; new Watch calls get the same.
  void Shutdown();

  grpc::ServerUnaryReactor* Check(
      grpc::CallbackServerContext* context,
      const grpc::health::v1::HealthCheckRequest* request,
      grpc::health::v1::HealthCheckResponse* response) override;
  grpc::ServerWriteReactor<grpc::health::v1::HealthCheckResponse>* Watch(
      grpc::CallbackServerContext* context,
      const grpc::health::v1::HealthCheckRequest* request) override;

 private:
  class Watcher;

  ServingStatus StatusOf(const std::string& service) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Tells the watchers of `service` (all of them when `service` is null).
  void Notify(const std::string* service);
  void Remove(const Watcher* watcher);

  mutable absl::Mutex mu_;
  std::map<std::string, bool> serving_ ABSL_GUARDED_BY(mu_);
  bool shut_down_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::weak_ptr<Watcher>> watchers_ ABSL_GUARDED_BY(mu_);
};

}  // namespace miniter::app

#endif  // MINITER_SERVER_APP_HEALTH_SERVICE_H_
