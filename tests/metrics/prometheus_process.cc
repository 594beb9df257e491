// prometheus_process.cc: configuring, spawning and querying Prometheus.
#include "tests/metrics/prometheus_process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "tests/integration/server_process.h"
#include "tests/metrics/http_get.h"

extern char** environ;

namespace miniter::testing {

PrometheusProcess::PrometheusProcess(const std::string& target) {
  std::string pattern =
      (std::filesystem::temp_directory_path() / "miniter-prometheus.XXXXXX")
          .string();
  if (mkdtemp(pattern.data()) == nullptr) std::abort();
  dir_ = pattern;
  port_ = FreePort();
  // Scrapes every second, so that a test waits about a second for the
  // numbers of its calls; evaluation likewise (no rules, but the default
  // 1m would only make the log noisier).
  std::ofstream(dir_ + "/prometheus.yml") << "global:\n"
                                             "  scrape_interval: 1s\n"
                                             "  scrape_timeout: 1s\n"
                                             "  evaluation_interval: 1s\n"
                                             "scrape_configs:\n"
                                             "  - job_name: miniter\n"
                                             "    static_configs:\n"
                                             "      - targets: ['"
                                          << target << "']\n";
  const char* binary = std::getenv("MINITER_PROMETHEUS_BINARY");
  if (binary == nullptr || *binary == '\0') binary = "prometheus";
  std::vector<std::string> arguments = {
      binary,
      absl::StrCat("--config.file=", dir_, "/prometheus.yml"),
      absl::StrCat("--storage.tsdb.path=", dir_, "/data"),
      absl::StrCat("--web.listen-address=127.0.0.1:", port_),
      "--log.level=warn",
  };
  std::vector<char*> argv;
  for (std::string& argument : arguments) argv.push_back(argument.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO,
                                   (dir_ + "/prometheus.log").c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0600);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null",
                                   O_WRONLY, 0);
  // posix_spawnp: a bare "prometheus" is looked up on PATH.
  if (posix_spawnp(&pid_, binary, &actions, nullptr, argv.data(), environ) !=
      0) {
    pid_ = -1;
  }
  posix_spawn_file_actions_destroy(&actions);
}

PrometheusProcess::~PrometheusProcess() {
  if (pid_ > 0) {
    kill(pid_, SIGTERM);
    const absl::Time give_up = absl::Now() + absl::Seconds(10);
    int status = 0;
    while (waitpid(pid_, &status, WNOHANG) == 0) {
      if (absl::Now() > give_up) {
        kill(pid_, SIGKILL);
        waitpid(pid_, &status, 0);
        break;
      }
      absl::SleepFor(absl::Milliseconds(20));
    }
  }
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

absl::Status PrometheusProcess::WaitUntilReady(absl::Duration timeout) {
  if (pid_ <= 0) {
    return absl::FailedPreconditionError(
        "could not start prometheus (set MINITER_PROMETHEUS_BINARY, or "
        "install Debian's prometheus: scripts/install-deps.sh)");
  }
  const absl::Time give_up = absl::Now() + timeout;
  absl::Status last = absl::UnavailableError("not asked yet");
  while (absl::Now() < give_up) {
    if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
      pid_ = -1;
      return absl::FailedPreconditionError(
          absl::StrCat("prometheus exited; its log:\n", Log()));
    }
    absl::StatusOr<HttpResponse> ready =
        HttpGet(absl::StrCat("http://127.0.0.1:", port_, "/-/ready"));
    if (ready.ok() && ready->status == 200) return absl::OkStatus();
    last = ready.ok() ? absl::UnavailableError(
                            absl::StrCat("/-/ready answered ", ready->status))
                      : ready.status();
    absl::SleepFor(absl::Milliseconds(100));
  }
  return absl::DeadlineExceededError(absl::StrCat(
      "prometheus not ready within ", absl::FormatDuration(timeout), " (",
      last.message(), "); its log:\n", Log()));
}

absl::StatusOr<nlohmann::json> PrometheusProcess::Query(
    const std::string& promql) {
  absl::StatusOr<HttpResponse> response = HttpGet(absl::StrCat(
      "http://127.0.0.1:", port_, "/api/v1/query?query=", UrlEncode(promql)));
  if (!response.ok()) return response.status();
  const nlohmann::json answer = nlohmann::json::parse(
      response->body, nullptr, /*allow_exceptions=*/false);
  if (response->status != 200 || !answer.is_object() ||
      answer.value("status", "") != "success" || !answer.contains("data") ||
      !answer["data"].contains("result")) {
    return absl::InternalError(absl::StrCat(
        "query ", promql, ": HTTP ", response->status, ": ", response->body));
  }
  return answer["data"]["result"];
}

std::string PrometheusProcess::Log() const {
  return ReadTextFile(dir_ + "/prometheus.log");
}

}  // namespace miniter::testing
