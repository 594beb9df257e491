// grpc_server_metrics_test.cc: the grpc_server_* families as served: the
// methods of the real services with their types, one handled series per
// status code, and the exact names and labels of the text format.
#include "server/metrics/grpc_server_metrics.h"

#include <chrono>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "prometheus/text_serializer.h"
#include "tests/metrics/exposition.h"

namespace miniter::metrics {
namespace {

using ::testing::AllOf;
using ::testing::Contains;
using ::testing::Field;

TEST(GrpcServerMetricsTest, MethodsOfServicesReadsTheDescriptors) {
  absl::StatusOr<std::vector<GrpcMethodName>> methods =
      MethodsOfServices({"miniter.v1.Miniter", "grpc.health.v1.Health"});
  ASSERT_TRUE(methods.ok()) << methods.status();
  EXPECT_EQ(methods->size(), 14u);  // twelve Miniter calls, Check and Watch
  EXPECT_THAT(
      *methods,
      Contains(AllOf(Field(&GrpcMethodName::service, "miniter.v1.Miniter"),
                     Field(&GrpcMethodName::method, "Timeline"),
                     Field(&GrpcMethodName::type, "unary"))));
  EXPECT_THAT(
      *methods,
      Contains(AllOf(Field(&GrpcMethodName::service, "grpc.health.v1.Health"),
                     Field(&GrpcMethodName::method, "Watch"),
                     Field(&GrpcMethodName::type, "server_stream"))));

  EXPECT_EQ(MethodsOfServices({"no.such.Service"}).status().code(),
            absl::StatusCode::kNotFound);
}

TEST(GrpcServerMetricsTest, FindsOnlyTheMethodsItWasGiven) {
  GrpcServerMetrics metrics({{"miniter.v1.Miniter", "SignUp", "unary"}});
  EXPECT_NE(metrics.Find("/miniter.v1.Miniter/SignUp"), nullptr);
  EXPECT_EQ(metrics.Find("/miniter.v1.Miniter/Login"), nullptr);
  EXPECT_EQ(metrics.Find("miniter.v1.Miniter/SignUp"), nullptr);
  EXPECT_EQ(metrics.Find(""), nullptr);
}

TEST(GrpcServerMetricsTest, ServesEveryCodeOfEveryMethodInTheTextFormat) {
  GrpcServerMetrics metrics(
      {{"miniter.v1.Miniter", "SignUp", "unary"},
       {"grpc.health.v1.Health", "Watch", "server_stream"}});
  GrpcServerMetrics::Method* sign_up =
      metrics.Find("/miniter.v1.Miniter/SignUp");
  ASSERT_NE(sign_up, nullptr);
  for (int i = 0; i < 3; ++i) sign_up->Started();
  sign_up->Handled(0, std::chrono::milliseconds(3));
  sign_up->Handled(16, std::chrono::milliseconds(1));
  sign_up->Handled(99, std::chrono::seconds(30));  // not a code: UNKNOWN

  const std::string text =
      prometheus::TextSerializer().Serialize(metrics.Collect());
  absl::StatusOr<std::map<std::string, double>> samples =
      testing::ParseExposition(text);
  ASSERT_TRUE(samples.ok()) << samples.status() << "\n" << text;
  const std::string sign_up_labels =
      "grpc_method=\"SignUp\",grpc_service=\"miniter.v1.Miniter\"";
  auto value = [&](const std::string& key) {
    auto found = samples->find(key);
    EXPECT_NE(found, samples->end()) << key << " missing from\n" << text;
    return found == samples->end() ? -1 : found->second;
  };
  EXPECT_EQ(value("grpc_server_started_total{" + sign_up_labels +
                  ",grpc_type=\"unary\"}"),
            3);
  EXPECT_EQ(value("grpc_server_handled_total{grpc_code=\"OK\"," +
                  sign_up_labels + "}"),
            1);
  EXPECT_EQ(value("grpc_server_handled_total{grpc_code=\"UNAUTHENTICATED\"," +
                  sign_up_labels + "}"),
            1);
  EXPECT_EQ(value("grpc_server_handled_total{grpc_code=\"UNKNOWN\"," +
                  sign_up_labels + "}"),
            1);
  EXPECT_EQ(value("grpc_server_handled_total{grpc_code=\"DATA_LOSS\"," +
                  sign_up_labels + "}"),
            0);
  EXPECT_EQ(value("grpc_server_handling_seconds_count{" + sign_up_labels +
                  ",grpc_type=\"unary\"}"),
            3);
  EXPECT_EQ(value("grpc_server_handling_seconds_bucket{" + sign_up_labels +
                  ",grpc_type=\"unary\",le=\"0.0025\"}"),
            1);
  EXPECT_EQ(value("grpc_server_handling_seconds_bucket{" + sign_up_labels +
                  ",grpc_type=\"unary\",le=\"0.005\"}"),
            2);
  EXPECT_EQ(value("grpc_server_handling_seconds_bucket{" + sign_up_labels +
                  ",grpc_type=\"unary\",le=\"+Inf\"}"),
            3);
  EXPECT_NEAR(value("grpc_server_handling_seconds_sum{" + sign_up_labels +
                    ",grpc_type=\"unary\"}"),
              30.004, 1e-9);
  // The method without calls is there too, with zeros.
  EXPECT_EQ(value("grpc_server_started_total{grpc_method=\"Watch\","
                  "grpc_service=\"grpc.health.v1.Health\","
                  "grpc_type=\"server_stream\"}"),
            0);
  // 2 methods: a started line, 17 handled lines, 14 + 1 buckets, count, sum.
  EXPECT_EQ(samples->size(), 2u * (1 + 17 + 15 + 2));

  const std::map<std::string, std::string> types =
      testing::ExpositionTypes(text);
  EXPECT_EQ(types.at("grpc_server_started_total"), "counter");
  EXPECT_EQ(types.at("grpc_server_handled_total"), "counter");
  EXPECT_EQ(types.at("grpc_server_handling_seconds"), "histogram");
}

}  // namespace
}  // namespace miniter::metrics
