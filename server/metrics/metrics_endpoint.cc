// metrics_endpoint.cc: starting the Exposer and the families every
// endpoint serves.
#include "server/metrics/metrics_endpoint.h"

#include <exception>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "prometheus/exposer.h"
#include "prometheus/gauge.h"
#include "prometheus/registry.h"
#include "server/common/build_info.h"
#include "server/metrics/process_collector.h"

namespace miniter::metrics {

const char* MetricsEndpoint::Version() { return common::BuildVersion(); }

absl::StatusOr<std::unique_ptr<MetricsEndpoint>> MetricsEndpoint::Start(
    const std::string& address,
    std::vector<std::shared_ptr<prometheus::Collectable>> collectables) {
  // Civetweb would take a bare port as "every interface"; an operator who
  // means that must say 0.0.0.0:PORT.
  const std::size_t colon = address.rfind(':');
  int port = 0;
  if (colon == std::string::npos || colon == 0 ||
      !absl::SimpleAtoi(address.substr(colon + 1), &port) || port < 0 ||
      port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("metrics_listen must be IP:PORT or [IPv6]:PORT, such as "
                     "127.0.0.1:9464, not \"",
                     address, "\""));
  }
  std::unique_ptr<MetricsEndpoint> endpoint(new MetricsEndpoint());
  // A gauge fixed at 1 whose label carries the version, so that a query can
  // join it to any other family (the Prometheus convention for build info).
  auto build = std::make_shared<prometheus::Registry>();
  prometheus::BuildGauge()
      .Name("miniter_build_info")
      .Help("Always 1; the version label is the running miniter-server's.")
      .Register(*build)
      .Add({{"version", Version()}})
      .Set(1);
  endpoint->collectables_ = std::move(collectables);
  endpoint->collectables_.push_back(std::move(build));
  endpoint->collectables_.push_back(std::make_shared<ProcessCollector>());
  try {
    endpoint->exposer_ = std::make_unique<prometheus::Exposer>(address);
  } catch (const std::exception& error) {
    // Civetweb reports a port it cannot bind by throwing.
    return absl::UnavailableError(absl::StrCat("cannot serve metrics on ",
                                               address,
                                               " (address in use, or not an "
                                               "address of this machine?): ",
                                               error.what()));
  }
  for (const std::shared_ptr<prometheus::Collectable>& collectable :
       endpoint->collectables_) {
    endpoint->exposer_->RegisterCollectable(collectable);
  }
  const std::vector<int> ports = endpoint->exposer_->GetListeningPorts();
  endpoint->port_ = ports.empty() ? port : ports.front();
  return endpoint;
}

MetricsEndpoint::~MetricsEndpoint() = default;

}  // namespace miniter::metrics
