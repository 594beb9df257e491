// grpc_server_metrics.h: the grpc_server_* metric families, with the names
// and labels of the grpc-ecosystem Prometheus middleware that dashboards
// expect:
//   grpc_server_started_total{grpc_service,grpc_method,grpc_type}
//   grpc_server_handled_total{grpc_service,grpc_method,grpc_code}
//   grpc_server_handling_seconds{grpc_service,grpc_method,grpc_type}
//     (a histogram)
//
// Every method's counters exist from construction on, so that counting a
// call is an atomic add on memory found through a map that never changes:
// no lock and no allocation on the hot path (prometheus::Family::Add takes
// a mutex, which is why its children are not made per call).
#ifndef MINITER_SERVER_METRICS_GRPC_SERVER_METRICS_H_
#define MINITER_SERVER_METRICS_GRPC_SERVER_METRICS_H_

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "prometheus/collectable.h"
#include "prometheus/metric_family.h"
#include "server/metrics/latency_histogram.h"

namespace miniter::metrics {

// One method of a served gRPC service.
struct GrpcMethodName {
  std::string service;  // "miniter.v1.Miniter"
  std::string method;   // "Timeline"
  // unary, client_stream, server_stream or bidi_stream.
  std::string type;
};

// The methods of the named services, from the descriptors linked into this
// process. NOT_FOUND names a service that is not linked in.
absl::StatusOr<std::vector<GrpcMethodName>> MethodsOfServices(
    const std::vector<std::string>& full_service_names);

class GrpcServerMetrics final : public prometheus::Collectable {
 public:
  // The counters of one method. Thread-safe and lock-free.
  class Method {
   public:
    explicit Method(GrpcMethodName name);
    void Started() { started_.fetch_add(1, std::memory_order_relaxed); }
    // `code` is a grpc::StatusCode number (0..16); others count as UNKNOWN.
    void Handled(int code, std::chrono::steady_clock::duration took);
    const GrpcMethodName& name() const { return name_; }

   private:
    friend class GrpcServerMetrics;
    static constexpr int kCodes = 17;
    const GrpcMethodName name_;
    std::atomic<std::uint64_t> started_{0};
    std::array<std::atomic<std::uint64_t>, kCodes> handled_;
    LatencyHistogram handling_seconds_;
  };

  explicit GrpcServerMetrics(const std::vector<GrpcMethodName>& methods);

  // The counters of "/service/method" (gRPC's ServerRpcInfo::method()), or
  // null for a method not given to the constructor. Thread-safe: the map is
  // only read after construction.
  Method* Find(absl::string_view full_method) const;

  // The three families, every method with every code (zeros included, so
  // that rate() sees the first call). Called at scrape time.
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  std::vector<std::unique_ptr<Method>> methods_;
  absl::flat_hash_map<std::string, Method*> by_path_;
};

}  // namespace miniter::metrics

#endif  // MINITER_SERVER_METRICS_GRPC_SERVER_METRICS_H_
