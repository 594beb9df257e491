// grpc_metrics_interceptor.h: counts every call of the methods that
// GrpcServerMetrics knows (started, handled by status code, handling time).
//
// A call counts as started when gRPC creates its interceptors (the method
// is known, no message read yet) and as handled when its status is about
// to be sent, with the status as sent: install this factory after any
// interceptor that rewrites statuses (RequestDecodingInterceptorFactory),
// since interceptors see the outgoing status in the order installed. A call
// that ends without sending a status counts as CANCELLED.
#ifndef MINITER_SERVER_METRICS_GRPC_METRICS_INTERCEPTOR_H_
#define MINITER_SERVER_METRICS_GRPC_METRICS_INTERCEPTOR_H_

#include <memory>

#include "grpcpp/support/server_interceptor.h"
#include "server/metrics/grpc_server_metrics.h"

namespace miniter::metrics {

// Install with ServerBuilder::experimental().SetInterceptorCreators().
class GrpcMetricsInterceptorFactory final
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit GrpcMetricsInterceptorFactory(
      std::shared_ptr<GrpcServerMetrics> metrics);

  // Null (no interceptor) for methods the metrics do not know, such as
  // reflection's.
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override;

 private:
  const std::shared_ptr<GrpcServerMetrics> metrics_;
};

}  // namespace miniter::metrics

#endif  // MINITER_SERVER_METRICS_GRPC_METRICS_INTERCEPTOR_H_
