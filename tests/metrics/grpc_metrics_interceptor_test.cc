// grpc_metrics_interceptor_test.cc: through a real in-process gRPC server
// (miniter's callback-API health service, no database): each call counts
// as started once and as handled once with the status the client got.
#include "server/metrics/grpc_metrics_interceptor.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "prometheus/text_serializer.h"
#include "server/app/health_service.h"
#include "tests/metrics/exposition.h"

namespace miniter::metrics {
namespace {

TEST(GrpcMetricsInterceptorTest, CountsEachCallWithTheStatusSent) {
  absl::StatusOr<std::vector<GrpcMethodName>> methods =
      MethodsOfServices({"grpc.health.v1.Health"});
  ASSERT_TRUE(methods.ok()) << methods.status();
  auto metrics = std::make_shared<GrpcServerMetrics>(*methods);
  app::HealthService health;
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                           &port);
  builder.RegisterService(&health);
  std::vector<
      std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
      interceptors;
  interceptors.push_back(
      std::make_unique<GrpcMetricsInterceptorFactory>(metrics));
  builder.experimental().SetInterceptorCreators(std::move(interceptors));
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  ASSERT_NE(server, nullptr);

  auto stub = grpc::health::v1::Health::NewStub(grpc::CreateChannel(
      absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials()));
  auto check = [&](const std::string& service) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(10));
    grpc::health::v1::HealthCheckRequest request;
    request.set_service(service);
    grpc::health::v1::HealthCheckResponse response;
    return stub->Check(&context, request, &response).error_code();
  };
  // A service the health service does not know, then the server's.
  EXPECT_EQ(check("no.such.Service"), grpc::StatusCode::NOT_FOUND);
  health.SetServing("", true);
  EXPECT_EQ(check(""), grpc::StatusCode::OK);
  EXPECT_EQ(check(""), grpc::StatusCode::OK);

  absl::StatusOr<std::map<std::string, double>> samples =
      testing::ParseExposition(
          prometheus::TextSerializer().Serialize(metrics->Collect()));
  ASSERT_TRUE(samples.ok()) << samples.status();
  const std::string check_labels =
      "grpc_method=\"Check\",grpc_service=\"grpc.health.v1.Health\"";
  EXPECT_EQ(samples->at("grpc_server_started_total{" + check_labels +
                        ",grpc_type=\"unary\"}"),
            3);
  EXPECT_EQ(samples->at("grpc_server_handled_total{grpc_code=\"OK\"," +
                        check_labels + "}"),
            2);
  EXPECT_EQ(samples->at("grpc_server_handled_total{grpc_code=\"NOT_FOUND\"," +
                        check_labels + "}"),
            1);
  EXPECT_EQ(samples->at("grpc_server_handling_seconds_count{" + check_labels +
                        ",grpc_type=\"unary\"}"),
            3);
  double handled = 0;
  for (const auto& [key, value] : *samples) {
    if (key.rfind("grpc_server_handled_total{", 0) == 0) handled += value;
  }
  EXPECT_EQ(handled, 3);

  health.Shutdown();
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
}

}  // namespace
}  // namespace miniter::metrics
