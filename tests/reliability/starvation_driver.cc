// starvation_driver.cc: the load of the reliability suite's starvation
// scenario (issue 12: one account must not starve everyone). A victim
// reads the first page of its home timeline from a few sessions; first
// alone, then while an attacker account keeps many calls in flight, each
// asking for a page deep in its history (tokens it got by paging there,
// as any client can), which storage serves with the expensive fallback
// query. check_starvation.py compares the two phases.
//
// Log format, one tab-separated line per event (times in Unix ms):
//   T  phase    LABEL NAME begin|end     NAME: solo | attack
//   T  call     LABEL ROLE PHASE LATENCY_MS CODE [RETRY_AFTER_MS]
//   T  deep     LABEL PAGES             pages the attacker paged through
// ROLE is victim or attacker; attacker calls are logged in the attack
// phase only (and in its warm-up, PHASE "warmup").
#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "miniter/v1/miniter.grpc.pb.h"
#include "tests/reliability/event_log.h"

ABSL_FLAG(std::string, server, "127.0.0.1:50051", "miniter address");
ABSL_FLAG(std::string, log, "", "log file (appended to); required");
ABSL_FLAG(std::string, label, "run", "names this run in the log");
ABSL_FLAG(std::string, victim_email, "user2@bench.miniter.test", "victim");
ABSL_FLAG(std::string, attacker_email, "user1@bench.miniter.test", "attacker");
ABSL_FLAG(std::string, password, "benchmark password",
          "both accounts' password (miniter-generate's)");
ABSL_FLAG(int, victim_sessions, 2, "victim's concurrent readers");
ABSL_FLAG(int, victim_pause_ms, 2,
          "pause of a victim reader between calls: a person's client, not "
          "a benchmark saturating the machine");
ABSL_FLAG(int, attackers, 64, "attacker's calls kept in flight");
ABSL_FLAG(int, page_size, 20, "page size of every Timeline call");
ABSL_FLAG(int, deep_from_page, 12,
          "the attacker's tokens are those after this page and later ones "
          "(the deep pages, below the home rows)");
ABSL_FLAG(int, deep_tokens, 8, "deep page tokens the attacker collects");
ABSL_FLAG(double, phase_seconds, 8, "length of each measured phase");
ABSL_FLAG(double, warmup_seconds, 1,
          "attack running before the victim's attack phase is measured");
ABSL_FLAG(int, deadline_ms, 2000, "deadline of every call");

namespace {

using miniter::v1::Miniter;

using miniter::reliability::EventLog;

std::unique_ptr<Miniter::Stub> NewStub() {
  grpc::ChannelArguments arguments;
  // Channels of their own: the attacker's streams must not queue the
  // victim's on one HTTP/2 connection (the server is what is measured).
  arguments.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  return Miniter::NewStub(
      grpc::CreateCustomChannel(absl::GetFlag(FLAGS_server),
                                grpc::InsecureChannelCredentials(), arguments));
}

std::string Login(Miniter::Stub& stub, const std::string& email) {
  for (int attempt = 0; attempt < 50; ++attempt) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(10));
    miniter::v1::LoginRequest request;
    request.set_email(email);
    request.set_password(absl::GetFlag(FLAGS_password));
    miniter::v1::LoginResponse response;
    const grpc::Status status = stub.Login(&context, request, &response);
    if (status.ok()) return response.access_token();
    std::fprintf(stderr, "starvation_driver: login %s: %s (retrying)\n",
                 email.c_str(), status.error_message().c_str());
    absl::SleepFor(absl::Milliseconds(200));
  }
  return "";
}

struct Result {
  grpc::Status status;
  std::string next_page_token;
  int64_t latency_ms = 0;
  int64_t retry_after_ms = -1;
};

Result ReadPage(Miniter::Stub& stub, const std::string& token,
                const std::string& page_token) {
  grpc::ClientContext context;
  context.set_deadline(
      std::chrono::system_clock::now() +
      std::chrono::milliseconds(absl::GetFlag(FLAGS_deadline_ms)));
  context.AddMetadata("authorization", "Bearer " + token);
  miniter::v1::TimelineRequest request;
  request.set_page_size(absl::GetFlag(FLAGS_page_size));
  request.set_page_token(page_token);
  miniter::v1::TimelineResponse response;
  const absl::Time start = absl::Now();
  Result result;
  result.status = stub.Timeline(&context, request, &response);
  result.latency_ms = absl::ToInt64Milliseconds(absl::Now() - start);
  result.next_page_token = response.next_page_token();
  const auto& trailers = context.GetServerTrailingMetadata();
  if (auto hint = trailers.find("retry-after-ms"); hint != trailers.end()) {
    int64_t ms = 0;
    if (absl::SimpleAtoi(
            absl::string_view(hint->second.data(), hint->second.size()), &ms)) {
      result.retry_after_ms = ms;
    }
  }
  return result;
}

std::string CallLine(const std::string& label, const char* role,
                     const std::string& phase, const Result& result) {
  std::string line = absl::StrCat("call\t", label, "\t", role, "\t", phase,
                                  "\t", result.latency_ms, "\t",
                                  static_cast<int>(result.status.error_code()));
  if (result.retry_after_ms >= 0) {
    absl::StrAppend(&line, "\t", result.retry_after_ms);
  }
  return line;
}

// The attacker's deep page tokens, got by paging from the newest page as
// any client may (tokens are signed: none can be made up). A refused page
// (the attacker's own admission) is asked again after the hint.
std::vector<std::string> CollectDeepTokens(Miniter::Stub& stub,
                                           const std::string& token,
                                           int* pages) {
  std::vector<std::string> deep;
  std::string page_token;
  const int from = absl::GetFlag(FLAGS_deep_from_page);
  const int wanted = absl::GetFlag(FLAGS_deep_tokens);
  for (*pages = 0; static_cast<int>(deep.size()) < wanted;) {
    Result page = ReadPage(stub, token, page_token);
    if (!page.status.ok()) {
      if (page.status.error_code() != grpc::StatusCode::RESOURCE_EXHAUSTED) {
        std::fprintf(stderr, "starvation_driver: paging: %s\n",
                     page.status.error_message().c_str());
        return {};
      }
      absl::SleepFor(absl::Milliseconds(100));
      continue;
    }
    ++*pages;
    if (page.next_page_token.empty()) break;
    page_token = page.next_page_token;
    if (*pages >= from) deep.push_back(page_token);
  }
  return deep;
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  if (absl::GetFlag(FLAGS_log).empty()) {
    std::fprintf(stderr, "starvation_driver: --log is required\n");
    return 2;
  }
  EventLog log(absl::GetFlag(FLAGS_log));
  if (!log.ok()) return 2;
  const std::string label = absl::GetFlag(FLAGS_label);
  std::unique_ptr<Miniter::Stub> setup = NewStub();
  const std::string victim = Login(*setup, absl::GetFlag(FLAGS_victim_email));
  const std::string attacker =
      Login(*setup, absl::GetFlag(FLAGS_attacker_email));
  if (victim.empty() || attacker.empty()) {
    std::fprintf(stderr, "starvation_driver: could not log in\n");
    return 1;
  }
  int pages = 0;
  const std::vector<std::string> deep =
      CollectDeepTokens(*setup, attacker, &pages);
  log.Write(absl::StrCat("deep\t", label, "\t", pages));
  if (static_cast<int>(deep.size()) < absl::GetFlag(FLAGS_deep_tokens)) {
    std::fprintf(stderr,
                 "starvation_driver: the attacker's timeline has only %d "
                 "pages: no deep tokens\n",
                 pages);
    return 1;
  }

  // The victim's readers, measuring while `phase` is set.
  absl::Mutex phase_mu;
  std::string phase ABSL_GUARDED_BY(phase_mu);
  std::atomic<bool> stop_victims{false};
  std::vector<std::thread> victims;
  for (int v = 0; v < absl::GetFlag(FLAGS_victim_sessions); ++v) {
    victims.emplace_back([&] {
      std::unique_ptr<Miniter::Stub> stub = NewStub();
      const absl::Duration pause =
          absl::Milliseconds(absl::GetFlag(FLAGS_victim_pause_ms));
      while (!stop_victims.load()) {
        Result page = ReadPage(*stub, victim, "");
        std::string current;
        {
          absl::MutexLock lock(&phase_mu);
          current = phase;
        }
        if (!current.empty()) {
          log.Write(CallLine(label, "victim", current, page));
        }
        absl::SleepFor(pause);
      }
    });
  }
  auto run_phase = [&](const std::string& name) {
    log.Write(absl::StrCat("phase\t", label, "\t", name, "\tbegin"));
    {
      absl::MutexLock lock(&phase_mu);
      phase = name;
    }
    absl::SleepFor(absl::Seconds(absl::GetFlag(FLAGS_phase_seconds)));
    {
      absl::MutexLock lock(&phase_mu);
      phase.clear();
    }
    log.Write(absl::StrCat("phase\t", label, "\t", name, "\tend"));
  };

  // Warm the victim's caches before measuring anything.
  absl::SleepFor(absl::Milliseconds(500));
  run_phase("solo");

  std::atomic<bool> stop_attack{false};
  std::atomic<bool> measuring{false};
  std::vector<std::thread> attackers;
  constexpr int kAttackerChannels = 4;
  std::vector<std::shared_ptr<Miniter::Stub>> attacker_stubs;
  for (int c = 0; c < kAttackerChannels; ++c)
    attacker_stubs.push_back(NewStub());
  for (int a = 0; a < absl::GetFlag(FLAGS_attackers); ++a) {
    attackers.emplace_back([&, a] {
      Miniter::Stub& stub = *attacker_stubs[a % kAttackerChannels];
      for (std::size_t i = a; !stop_attack.load(); ++i) {
        Result page = ReadPage(stub, attacker, deep[i % deep.size()]);
        log.Write(CallLine(label, "attacker",
                           measuring.load() ? "attack" : "warmup", page));
        // It keeps its calls in flight, taking only the server's hint as
        // a reason to wait (a client ignoring it is the rate limits' job).
        if (page.retry_after_ms >= 0) {
          absl::SleepFor(absl::Milliseconds(page.retry_after_ms));
        }
      }
    });
  }
  absl::SleepFor(absl::Seconds(absl::GetFlag(FLAGS_warmup_seconds)));
  measuring.store(true);
  run_phase("attack");
  stop_attack.store(true);
  for (std::thread& t : attackers) t.join();
  stop_victims.store(true);
  for (std::thread& t : victims) t.join();
  return 0;
}
