// grpc_server_metrics.cc: per-method counters and their exposition.
#include "server/metrics/grpc_server_metrics.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.h"
#include "server/metrics/families.h"

namespace miniter::metrics {
namespace {

constexpr int kUnknownCode = 2;

}  // namespace

absl::StatusOr<std::vector<GrpcMethodName>> MethodsOfServices(
    const std::vector<std::string>& full_service_names) {
  std::vector<GrpcMethodName> methods;
  for (const std::string& service_name : full_service_names) {
    const google::protobuf::ServiceDescriptor* service =
        google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(
            service_name);
    if (service == nullptr) {
      return absl::NotFoundError(absl::StrCat("no descriptor of gRPC service ",
                                              service_name, " is linked in"));
    }
    for (int i = 0; i < service->method_count(); ++i) {
      const google::protobuf::MethodDescriptor* method = service->method(i);
      const char* type =
          method->client_streaming()
              ? (method->server_streaming() ? "bidi_stream" : "client_stream")
              : (method->server_streaming() ? "server_stream" : "unary");
      methods.push_back({service_name, method->name(), type});
    }
  }
  return methods;
}

GrpcServerMetrics::Method::Method(GrpcMethodName name)
    : name_(std::move(name)),
      handling_seconds_(LatencyHistogram::DefaultSecondsBuckets()) {
  for (std::atomic<std::uint64_t>& count : handled_) {
    count.store(0, std::memory_order_relaxed);
  }
}

void GrpcServerMetrics::Method::Handled(
    int code, std::chrono::steady_clock::duration took) {
  if (code < 0 || code >= kCodes) code = kUnknownCode;
  handled_[code].fetch_add(1, std::memory_order_relaxed);
  handling_seconds_.Observe(std::chrono::duration<double>(took).count());
}

GrpcServerMetrics::GrpcServerMetrics(
    const std::vector<GrpcMethodName>& methods) {
  for (const GrpcMethodName& name : methods) {
    methods_.push_back(std::make_unique<Method>(name));
    by_path_[absl::StrCat("/", name.service, "/", name.method)] =
        methods_.back().get();
  }
}

GrpcServerMetrics::Method* GrpcServerMetrics::Find(
    absl::string_view full_method) const {
  const auto found = by_path_.find(full_method);
  return found == by_path_.end() ? nullptr : found->second;
}

std::vector<prometheus::MetricFamily> GrpcServerMetrics::Collect() const {
  prometheus::MetricFamily started = NewFamily(
      "grpc_server_started_total", "Calls started on the server, per method.",
      prometheus::MetricType::Counter);
  prometheus::MetricFamily handled =
      NewFamily("grpc_server_handled_total",
                "Calls completed on the server, per method and status code.",
                prometheus::MetricType::Counter);
  prometheus::MetricFamily seconds = NewFamily(
      "grpc_server_handling_seconds",
      "Time from the start of a call to its status being sent, per method.",
      prometheus::MetricType::Histogram);
  for (const std::unique_ptr<Method>& method : methods_) {
    const GrpcMethodName& name = method->name_;
    // Labels in alphabetical order, as other exporters write them.
    prometheus::ClientMetric metric;
    metric.label = {{"grpc_method", name.method},
                    {"grpc_service", name.service},
                    {"grpc_type", name.type}};
    metric.counter.value =
        static_cast<double>(method->started_.load(std::memory_order_relaxed));
    started.metric.push_back(metric);

    prometheus::ClientMetric timing;
    timing.label = metric.label;
    timing.histogram = method->handling_seconds_.Snapshot();
    seconds.metric.push_back(std::move(timing));

    for (int code = 0; code < Method::kCodes; ++code) {
      prometheus::ClientMetric count;
      // gRPC and Abseil number codes alike; Abseil's names are the
      // upper-case ones the grpc-ecosystem middleware uses as grpc_code.
      count.label = {{"grpc_code", absl::StatusCodeToString(
                                       static_cast<absl::StatusCode>(code))},
                     {"grpc_method", name.method},
                     {"grpc_service", name.service}};
      count.counter.value = static_cast<double>(
          method->handled_[code].load(std::memory_order_relaxed));
      handled.metric.push_back(std::move(count));
    }
  }
  return {std::move(started), std::move(handled), std::move(seconds)};
}

}  // namespace miniter::metrics
