// grpc_metrics_interceptor.cc: see the header for what counts when.
#include "server/metrics/grpc_metrics_interceptor.h"

#include <chrono>
#include <utility>

namespace miniter::metrics {
namespace {

using grpc::experimental::InterceptionHookPoints;

class GrpcMetricsInterceptor final : public grpc::experimental::Interceptor {
 public:
  // The factory's metrics outlive the interceptor: gRPC destroys
  // interceptors with their call, and the server (which owns the factory)
  // outlives its calls.
  explicit GrpcMetricsInterceptor(GrpcServerMetrics::Method* method)
      : method_(method), started_(std::chrono::steady_clock::now()) {
    method_->Started();
  }

  ~GrpcMetricsInterceptor() override {
    if (!handled_) {
      method_->Handled(static_cast<int>(grpc::StatusCode::CANCELLED),
                       std::chrono::steady_clock::now() - started_);
    }
  }

  void Intercept(
      grpc::experimental::InterceptorBatchMethods* methods) override {
    if (!handled_ && methods->QueryInterceptionHookPoint(
                         InterceptionHookPoints::PRE_SEND_STATUS)) {
      handled_ = true;
      method_->Handled(static_cast<int>(methods->GetSendStatus().error_code()),
                       std::chrono::steady_clock::now() - started_);
    }
    methods->Proceed();
  }

 private:
  GrpcServerMetrics::Method* const method_;
  const std::chrono::steady_clock::time_point started_;
  bool handled_ = false;
};

}  // namespace

GrpcMetricsInterceptorFactory::GrpcMetricsInterceptorFactory(
    std::shared_ptr<GrpcServerMetrics> metrics)
    : metrics_(std::move(metrics)) {}

grpc::experimental::Interceptor*
GrpcMetricsInterceptorFactory::CreateServerInterceptor(
    grpc::experimental::ServerRpcInfo* info) {
  if (info->method() == nullptr) return nullptr;
  GrpcServerMetrics::Method* method = metrics_->Find(info->method());
  if (method == nullptr) return nullptr;
  return new GrpcMetricsInterceptor(method);
}

}  // namespace miniter::metrics
