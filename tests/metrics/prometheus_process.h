// prometheus_process.h: a real Prometheus server ($MINITER_PROMETHEUS_BINARY,
// Debian's prometheus) as a child process in a temporary directory of its
// own, scraping one target every second, and its HTTP query API.
#ifndef MINITER_TESTS_METRICS_PROMETHEUS_PROCESS_H_
#define MINITER_TESTS_METRICS_PROMETHEUS_PROCESS_H_

#include <sys/types.h>

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"

namespace miniter::testing {

class PrometheusProcess {
 public:
  // Starts Prometheus on a free loopback port with job "miniter" scraping
  // http://`target`/metrics (target: HOST:PORT) every second. Aborts when
  // it cannot spawn; use WaitUntilReady to know it runs.
  explicit PrometheusProcess(const std::string& target);
  // Stops it (SIGTERM, then SIGKILL) and removes its directory.
  ~PrometheusProcess();
  PrometheusProcess(const PrometheusProcess&) = delete;
  PrometheusProcess& operator=(const PrometheusProcess&) = delete;

  // Polls /-/ready until it answers 200 or `timeout` passes.
  absl::Status WaitUntilReady(absl::Duration timeout);

  // The `data.result` array of an instant query (GET /api/v1/query).
  // UNAVAILABLE when Prometheus does not answer, INTERNAL when it answers
  // an error.
  absl::StatusOr<nlohmann::json> Query(const std::string& promql);

  // Its log (stderr), for failure messages.
  std::string Log() const;

 private:
  std::string dir_;
  int port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace miniter::testing

#endif  // MINITER_TESTS_METRICS_PROMETHEUS_PROCESS_H_
