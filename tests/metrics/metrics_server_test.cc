// metrics_server_test.cc: the miniter-server binary with --metrics_listen
// (through MINITER_METRICS_LISTEN) on the test database: after known calls,
// GET /metrics shows every family with exactly those counts; an address it
// cannot serve stops the start-up.
#include <sys/wait.h>

#include <map>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "gtest/gtest.h"
#include "tests/integration/server_process.h"
#include "tests/integration/test_environment.h"
#include "tests/metrics/exposition.h"
#include "tests/metrics/http_get.h"
#include "tests/metrics/taken_port.h"

namespace miniter::testing {
namespace {

constexpr char kMiniter[] = "grpc_service=\"miniter.v1.Miniter\"";

grpc::StatusCode SignUp(miniter::v1::Miniter::Stub& stub,
                        const std::string& email) {
  miniter::v1::SignUpRequest request;
  request.set_name("metrics");
  request.set_email(email);
  request.set_password("correct horse battery");
  miniter::v1::SignUpResponse response;
  return stub.SignUp(Context().get(), request, &response).error_code();
}

TEST(MetricsServerTest, CountsTheCallsMade) {
  const int port = FreePort();
  const int metrics_port = FreePort();
  const std::string log = ::testing::TempDir() + "metrics_server_test.log";
  ServerProcess server(
      port, log,
      {{"MINITER_METRICS_LISTEN", absl::StrCat("127.0.0.1:", metrics_port)}});
  ASSERT_TRUE(server.WaitUntilServing()) << ReadTextFile(log);

  auto stub = StubForPort(port);
  const std::string email = UniqueEmail("metrics");
  EXPECT_EQ(SignUp(*stub, email), grpc::StatusCode::OK);
  EXPECT_EQ(SignUp(*stub, UniqueEmail("metrics")), grpc::StatusCode::OK);
  EXPECT_EQ(SignUp(*stub, email), grpc::StatusCode::ALREADY_EXISTS);
  miniter::v1::TimelineRequest timeline;
  miniter::v1::TimelineResponse page;
  EXPECT_EQ(stub->Timeline(Context().get(), timeline, &page).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  auto health = grpc::health::v1::Health::NewStub(grpc::CreateChannel(
      absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials()));
  grpc::health::v1::HealthCheckRequest check;
  grpc::health::v1::HealthCheckResponse serving;
  // OK, or NOT_FOUND if it came before the server's first database check:
  // counted either way.
  const grpc::StatusCode check_code =
      health->Check(Context().get(), check, &serving).error_code();

  absl::StatusOr<HttpResponse> response =
      HttpGet(absl::StrCat("http://127.0.0.1:", metrics_port, "/metrics"));
  ASSERT_TRUE(response.ok()) << response.status() << "\n" << ReadTextFile(log);
  ASSERT_EQ(response->status, 200);
  absl::StatusOr<std::map<std::string, double>> samples =
      ParseExposition(response->body);
  ASSERT_TRUE(samples.ok()) << samples.status();
  auto value = [&](const std::string& key) {
    auto found = samples->find(key);
    EXPECT_NE(found, samples->end()) << key << " missing from\n"
                                     << response->body;
    return found == samples->end() ? -1 : found->second;
  };
  auto method = [](const char* name) {
    return absl::StrCat("grpc_method=\"", name, "\",", kMiniter);
  };
  EXPECT_EQ(value(absl::StrCat("grpc_server_started_total{", method("SignUp"),
                               ",grpc_type=\"unary\"}")),
            3);
  EXPECT_EQ(value(absl::StrCat("grpc_server_handled_total{grpc_code=\"OK\",",
                               method("SignUp"), "}")),
            2);
  EXPECT_EQ(value(absl::StrCat(
                "grpc_server_handled_total{grpc_code=\"ALREADY_EXISTS\",",
                method("SignUp"), "}")),
            1);
  EXPECT_EQ(value(absl::StrCat(
                "grpc_server_handled_total{grpc_code=\"UNAUTHENTICATED\",",
                method("Timeline"), "}")),
            1);
  EXPECT_EQ(value(absl::StrCat(
                "grpc_server_handled_total{grpc_code=\"",
                check_code == grpc::StatusCode::OK ? "OK" : "NOT_FOUND",
                "\",grpc_method=\"Check\","
                "grpc_service=\"grpc.health.v1.Health\"}")),
            1);
  EXPECT_EQ(value(absl::StrCat("grpc_server_handling_seconds_count{",
                               method("SignUp"), ",grpc_type=\"unary\"}")),
            3);
  EXPECT_EQ(value(absl::StrCat("grpc_server_handling_seconds_bucket{",
                               method("SignUp"),
                               ",grpc_type=\"unary\",le=\"+Inf\"}")),
            3);
  // Argon2id hashes for tens of milliseconds per SignUp.
  EXPECT_GT(value(absl::StrCat("grpc_server_handling_seconds_sum{",
                               method("SignUp"), ",grpc_type=\"unary\"}")),
            0.001);
  // Nothing else was counted: five calls handled in all.
  double handled = 0;
  for (const auto& [key, count] : *samples) {
    if (absl::StartsWith(key, "grpc_server_handled_total{")) handled += count;
  }
  EXPECT_EQ(handled, 5);

  EXPECT_GT(value("process_resident_memory_bytes"), 1 << 20);
  EXPECT_GT(value("process_open_fds"), 3);
  EXPECT_GE(value("process_cpu_seconds_total"), 0);
  EXPECT_GT(value("process_start_time_seconds"), 1.6e9);
  EXPECT_EQ(value(absl::StrCat("miniter_build_info{version=\"",
                               MINITER_EXPECTED_VERSION, "\"}")),
            1);
  // The database pool (default size 16) and the password-hash slots,
  // never short for five calls one at a time.
  EXPECT_EQ(value("miniter_db_pool_capacity"), 16);
  EXPECT_GE(value("miniter_db_pool_in_use"), 0);
  EXPECT_LE(value("miniter_db_pool_in_use"), 16);
  EXPECT_EQ(value("miniter_db_pool_refused_total"), 0);
  EXPECT_EQ(value("miniter_db_pool_waits_total"), 0);
  EXPECT_GE(value("miniter_password_hash_capacity"), 1);
  EXPECT_EQ(value("miniter_password_hash_in_use"), 0);
  EXPECT_EQ(value("miniter_password_hash_refused_total"), 0);
  // The tweet store's two caches, under their labels.
  EXPECT_GE(value("miniter_cache_entries{cache=\"tweet_records\"}"), 0);
  EXPECT_GE(value("miniter_cache_entries{cache=\"merged_authors\"}"), 0);
  EXPECT_GE(value("miniter_cache_bytes{cache=\"tweet_records\"}"), 0);
  // Every limit, none refused.
  EXPECT_EQ(value("miniter_rate_limit_refusals_total"
                  "{limit=\"signup_rate_per_peer\"}"),
            0);
  // No WatchTimeline stream was opened.
  EXPECT_EQ(value("miniter_watch_streams"), 0);
  EXPECT_EQ(value("miniter_watch_streams_unindexed"), 0);
  EXPECT_EQ(value("miniter_watch_reads_total"), 0);
  std::map<std::string, std::string> types = ExpositionTypes(response->body);
  EXPECT_EQ(types["miniter_watch_reads_total"], "counter");
  EXPECT_EQ(types["grpc_server_handled_total"], "counter");
  EXPECT_EQ(types["grpc_server_handling_seconds"], "histogram");
  EXPECT_EQ(types["miniter_build_info"], "gauge");
  EXPECT_TRUE(absl::StrContains(ReadTextFile(log),
                                "metrics: Prometheus endpoint on http://"));
}

TEST(MetricsServerTest, CountsRateLimitRefusalsByLimit) {
  const int port = FreePort();
  const int metrics_port = FreePort();
  const std::string log = ::testing::TempDir() + "metrics_limits_test.log";
  ServerProcess server(
      port, log,
      {{"MINITER_METRICS_LISTEN", absl::StrCat("127.0.0.1:", metrics_port)},
       {"MINITER_SIGNUP_RATE_PER_PEER", "1/1h"}});
  ASSERT_TRUE(server.WaitUntilServing()) << ReadTextFile(log);
  auto stub = StubForPort(port);
  EXPECT_EQ(SignUp(*stub, UniqueEmail("limited")), grpc::StatusCode::OK);
  EXPECT_EQ(SignUp(*stub, UniqueEmail("limited")),
            grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(SignUp(*stub, UniqueEmail("limited")),
            grpc::StatusCode::RESOURCE_EXHAUSTED);

  absl::StatusOr<HttpResponse> response =
      HttpGet(absl::StrCat("http://127.0.0.1:", metrics_port, "/metrics"));
  ASSERT_TRUE(response.ok()) << response.status();
  absl::StatusOr<std::map<std::string, double>> samples =
      ParseExposition(response->body);
  ASSERT_TRUE(samples.ok()) << samples.status();
  auto refused = [&](const char* limit) {
    return samples->at(absl::StrCat(
        "miniter_rate_limit_refusals_total{limit=\"", limit, "\"}"));
  };
  EXPECT_EQ(refused("signup_rate_per_peer"), 2);
  EXPECT_EQ(refused("tweet_rate_per_account"), 0);
  EXPECT_EQ(refused("max_calls_per_account"), 0);
  EXPECT_EQ(samples->at(absl::StrCat(
                "grpc_server_handled_total{grpc_code=\"RESOURCE_EXHAUSTED\","
                "grpc_method=\"SignUp\",",
                kMiniter, "}")),
            2);
}

TEST(MetricsServerTest, AnAddressItCannotServeStopsTheStartUp) {
  TakenPort taken;
  ASSERT_GT(taken.port(), 0);
  const std::string log = ::testing::TempDir() + "metrics_taken_test.log";
  ServerProcess server(
      FreePort(), log,
      {{"MINITER_METRICS_LISTEN", absl::StrCat("127.0.0.1:", taken.port())}});
  const int status = server.WaitForExit(absl::Seconds(60));
  ASSERT_NE(status, -1) << "still running:\n" << ReadTextFile(log);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 1)
      << ReadTextFile(log);
  EXPECT_TRUE(absl::StrContains(ReadTextFile(log), "cannot serve metrics on"))
      << ReadTextFile(log);
}

}  // namespace
}  // namespace miniter::testing
