// prometheus_scrape_test.cc: a real Prometheus (Debian's) scrapes the real
// miniter-server; after known calls, Prometheus's HTTP API must report
// grpc_server_handled_total per method and code exactly as made: 3 SignUps
// OK and 2 Timelines UNAUTHENTICATED, and no other call.
#include <map>
#include <string>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "tests/integration/server_process.h"
#include "tests/integration/test_environment.h"
#include "tests/metrics/prometheus_process.h"

namespace miniter::testing {
namespace {

// The value of one sample of an instant query's result ([time, "value"]).
double SampleValue(const nlohmann::json& sample) {
  double value = -1;
  const nlohmann::json& pair = sample.at("value");
  if (!absl::SimpleAtod(pair.at(1).get<std::string>(), &value)) return -1;
  return value;
}

TEST(PrometheusScrapeTest, PrometheusSeesExactlyTheCallsMade) {
  const int port = FreePort();
  const int metrics_port = FreePort();
  const std::string log = ::testing::TempDir() + "prometheus_scrape_test.log";
  ServerProcess server(
      port, log,
      {{"MINITER_METRICS_LISTEN", absl::StrCat("127.0.0.1:", metrics_port)}});
  PrometheusProcess prometheus(absl::StrCat("127.0.0.1:", metrics_port));
  ASSERT_TRUE(server.WaitUntilServing()) << ReadTextFile(log);
  const absl::Status ready = prometheus.WaitUntilReady(absl::Seconds(60));
  ASSERT_TRUE(ready.ok()) << ready;

  constexpr int kSignUps = 3;
  constexpr int kBadTimelines = 2;
  auto stub = StubForPort(port);
  for (int i = 0; i < kSignUps; ++i) {
    miniter::v1::SignUpRequest request;
    request.set_name("scraped");
    request.set_email(UniqueEmail("scraped"));
    request.set_password("correct horse battery");
    miniter::v1::SignUpResponse response;
    const grpc::Status status =
        stub->SignUp(Context().get(), request, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }
  for (int i = 0; i < kBadTimelines; ++i) {
    miniter::v1::TimelineRequest request;
    miniter::v1::TimelineResponse response;
    EXPECT_EQ(stub->Timeline(Context("not-a-token").get(), request, &response)
                  .error_code(),
              grpc::StatusCode::UNAUTHENTICATED);
  }
  // Every call above had its reply, so the server had counted it: a scrape
  // that began after this instant holds all of them. The margin covers
  // Prometheus moving scrape timestamps by up to 2 ms to align them.
  const double calls_done =
      absl::ToDoubleSeconds(absl::Now() - absl::UnixEpoch()) + 0.05;

  // Wait (polling, up to a minute) for a successful scrape that started
  // after the calls.
  const absl::Time give_up = absl::Now() + absl::Minutes(1);
  bool scraped = false;
  std::string last_answer;
  while (!scraped && absl::Now() < give_up) {
    absl::StatusOr<nlohmann::json> result =
        prometheus.Query("timestamp(up{job=\"miniter\"} == 1)");
    if (result.ok()) {
      last_answer = result->dump();
      scraped = result->size() == 1 && SampleValue((*result)[0]) > calls_done;
    } else {
      last_answer = std::string(result.status().message());
    }
    if (!scraped) absl::SleepFor(absl::Milliseconds(200));
  }
  ASSERT_TRUE(scraped) << "no scrape after the calls within a minute; last "
                          "answer: "
                       << last_answer << "\nprometheus log:\n"
                       << prometheus.Log() << "\nserver log:\n"
                       << ReadTextFile(log);

  // Every non-zero series, by (method, code).
  absl::StatusOr<nlohmann::json> handled =
      prometheus.Query("grpc_server_handled_total{job=\"miniter\"} > 0");
  ASSERT_TRUE(handled.ok()) << handled.status();
  std::map<std::pair<std::string, std::string>, double> counts;
  for (const nlohmann::json& sample : *handled) {
    const nlohmann::json& labels = sample.at("metric");
    counts[{labels.value("grpc_method", ""), labels.value("grpc_code", "")}] =
        SampleValue(sample);
  }
  const std::map<std::pair<std::string, std::string>, double> expected = {
      {{"SignUp", "OK"}, kSignUps},
      {{"Timeline", "UNAUTHENTICATED"}, kBadTimelines},
  };
  EXPECT_EQ(counts, expected) << handled->dump(1);

  absl::StatusOr<nlohmann::json> started = prometheus.Query(
      "sum by (grpc_method) (grpc_server_started_total{job=\"miniter\"}) > 0");
  ASSERT_TRUE(started.ok()) << started.status();
  std::map<std::string, double> started_counts;
  for (const nlohmann::json& sample : *started) {
    started_counts[sample.at("metric").value("grpc_method", "")] =
        SampleValue(sample);
  }
  EXPECT_EQ(started_counts,
            (std::map<std::string, double>{{"SignUp", kSignUps},
                                           {"Timeline", kBadTimelines}}))
      << started->dump(1);

  // The histogram agrees with the counters.
  absl::StatusOr<nlohmann::json> timed = prometheus.Query(
      "grpc_server_handling_seconds_count{job=\"miniter\","
      "grpc_method=\"SignUp\"}");
  ASSERT_TRUE(timed.ok()) << timed.status();
  ASSERT_EQ(timed->size(), 1u) << timed->dump(1);
  EXPECT_EQ(SampleValue((*timed)[0]), kSignUps);
}

}  // namespace
}  // namespace miniter::testing
