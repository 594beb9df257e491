// metrics_endpoint.h: the Prometheus scrape endpoint: GET /metrics on an
// address of its own (never the gRPC port), in the text exposition format,
// served by prometheus-cpp's Exposer (civetweb, both from Debian). Besides
// the collectables it is given, it always serves the process_* families
// (process_collector.h) and miniter_build_info{version}.
#ifndef MINITER_SERVER_METRICS_METRICS_ENDPOINT_H_
#define MINITER_SERVER_METRICS_METRICS_ENDPOINT_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "prometheus/collectable.h"

namespace prometheus {
class Exposer;
}  // namespace prometheus

namespace miniter::metrics {

class MetricsEndpoint {
 public:
  // The version miniter_build_info reports (the CMake project's).
  static const char* Version();

  // Serves on `address`: IP:PORT or [IPv6]:PORT (port 0: a free one).
  // Each scrape reads every collectable on one of the endpoint's own two
  // threads. INVALID_ARGUMENT
  // for an address without a port, UNAVAILABLE when it cannot listen there
  // (in use, not an address of this machine).
  static absl::StatusOr<std::unique_ptr<MetricsEndpoint>> Start(
      const std::string& address,
      std::vector<std::shared_ptr<prometheus::Collectable>> collectables);

  // Stops serving (waits for a scrape in progress).
  ~MetricsEndpoint();
  MetricsEndpoint(const MetricsEndpoint&) = delete;
  MetricsEndpoint& operator=(const MetricsEndpoint&) = delete;

  // The port bound.
  int port() const { return port_; }

 private:
  MetricsEndpoint() = default;

  // The exposer keeps weak pointers; these keep the collectables alive.
  std::vector<std::shared_ptr<prometheus::Collectable>> collectables_;
  int port_ = 0;
  // Last, so that it stops serving before the collectables go.
  std::unique_ptr<prometheus::Exposer> exposer_;
};

}  // namespace miniter::metrics

#endif  // MINITER_SERVER_METRICS_METRICS_ENDPOINT_H_
