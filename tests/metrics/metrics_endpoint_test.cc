// metrics_endpoint_test.cc: the endpoint over real HTTP: /metrics in the
// text format with the given families plus process_* and build info; an
// address that is taken or malformed is an error, not a silent no-op.
#include "server/metrics/metrics_endpoint.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "server/metrics/grpc_server_metrics.h"
#include "tests/integration/server_process.h"
#include "tests/metrics/exposition.h"
#include "tests/metrics/http_get.h"
#include "tests/metrics/taken_port.h"

namespace miniter::metrics {
namespace {

TEST(MetricsEndpointTest, ServesTheFamiliesOverHttp) {
  auto calls = std::make_shared<GrpcServerMetrics>(
      std::vector<GrpcMethodName>{{"miniter.v1.Miniter", "Tweet", "unary"}});
  calls->Find("/miniter.v1.Miniter/Tweet")->Started();
  const std::string address = absl::StrCat("127.0.0.1:", testing::FreePort());
  absl::StatusOr<std::unique_ptr<MetricsEndpoint>> endpoint =
      MetricsEndpoint::Start(address, {calls});
  ASSERT_TRUE(endpoint.ok()) << endpoint.status();

  absl::StatusOr<testing::HttpResponse> response =
      testing::HttpGet(absl::StrCat("http://", address, "/metrics"));
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 200);
  EXPECT_TRUE(absl::StartsWith(response->content_type, "text/plain"))
      << response->content_type;
  absl::StatusOr<std::map<std::string, double>> samples =
      testing::ParseExposition(response->body);
  ASSERT_TRUE(samples.ok()) << samples.status() << "\n" << response->body;
  EXPECT_EQ(samples->at("grpc_server_started_total{grpc_method=\"Tweet\","
                        "grpc_service=\"miniter.v1.Miniter\","
                        "grpc_type=\"unary\"}"),
            1);
  EXPECT_EQ(samples->at(absl::StrCat("miniter_build_info{version=\"",
                                     MINITER_EXPECTED_VERSION, "\"}")),
            1);
  EXPECT_GT(samples->at("process_resident_memory_bytes"), 0);
  EXPECT_GT(samples->at("process_open_fds"), 0);

  // Only /metrics is served.
  absl::StatusOr<testing::HttpResponse> other =
      testing::HttpGet(absl::StrCat("http://", address, "/other"));
  ASSERT_TRUE(other.ok()) << other.status();
  EXPECT_EQ(other->status, 404);
}

TEST(MetricsEndpointTest, PortZeroPicksAFreePort) {
  absl::StatusOr<std::unique_ptr<MetricsEndpoint>> endpoint =
      MetricsEndpoint::Start("127.0.0.1:0", {});
  ASSERT_TRUE(endpoint.ok()) << endpoint.status();
  ASSERT_GT((*endpoint)->port(), 0);
  absl::StatusOr<testing::HttpResponse> response = testing::HttpGet(
      absl::StrCat("http://127.0.0.1:", (*endpoint)->port(), "/metrics"));
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 200);
}

TEST(MetricsEndpointTest, ATakenPortIsUnavailable) {
  testing::TakenPort taken;
  ASSERT_GT(taken.port(), 0);
  absl::StatusOr<std::unique_ptr<MetricsEndpoint>> endpoint =
      MetricsEndpoint::Start(absl::StrCat("127.0.0.1:", taken.port()), {});
  EXPECT_EQ(endpoint.status().code(), absl::StatusCode::kUnavailable)
      << endpoint.status();
}

TEST(MetricsEndpointTest, AnAddressWithoutAPortIsInvalid) {
  for (const char* address : {"127.0.0.1", "localhost:http", ":9464",
                              "127.0.0.1:70000", "127.0.0.1:-1"}) {
    EXPECT_EQ(MetricsEndpoint::Start(address, {}).status().code(),
              absl::StatusCode::kInvalidArgument)
        << address;
  }
}

}  // namespace
}  // namespace miniter::metrics
