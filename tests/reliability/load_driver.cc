// load_driver.cc: the reliability suite's load: N writers that each post
// tweets with a unique marker text, every call with a deadline, and a health
// watcher; every call is logged as sent, then ok / failed / unknown, so that
// check_log.py can compare what clients were told with what the database
// holds.
//
// Log format, one tab-separated line per event (times in Unix ms):
//   T  start    RUN
//   T  sent     MARKER
//   T  ok       MARKER  LATENCY_MS  TWEET_ID
//   T  failed   MARKER  LATENCY_MS  CODE  MESSAGE   definitely not written
//   T  unknown  MARKER  LATENCY_MS  CODE  MESSAGE   may or may not be written
//   T  health   STATUS             (SERVING, NOT_SERVING, ended:CODE)
//   T  account  RUN  ROLE  USER_ID  ROLE: author, or follower-K (--followers)
//   T  read_failed ROLE CODE MESSAGE   a follower's first-page read during
//                                      the load failed
//   T  reads    ROLE  OK_COUNT  FAILED_COUNT   a follower's reads, at the end
//   T  timeline_begin RUN ROLE     after the load: ROLE's home timeline,
//   T  timeline TWEET_ID             every tweet id on it,
//   T  timeline_end OK | CODE MESSAGE   and how the paging ended
//   T  end      RUN
//
// What counts as a definite failure (see docs/reliability.md): every code the
// server returns before it runs the write — RESOURCE_EXHAUSTED (pool queue
// full or wait over, gRPC thread quota), INVALID_ARGUMENT, UNAUTHENTICATED,
// NOT_FOUND, PERMISSION_DENIED — and a call the channel could not even send:
// UNAVAILABLE "failed to connect to all addresses" is gRPC's load-balancing
// pick failing because no connection is up, before the call exists on any
// transport. Everything else that is not OK —
// DEADLINE_EXCEEDED, CANCELLED, UNAVAILABLE, INTERNAL, UNKNOWN, ABORTED — is
// "unknown": the commit may have happened before the answer was lost.
// UNAVAILABLE is always unknown: the server says "database unavailable"
// both when it could not connect (nothing ran) and when the connection was
// lost mid-transaction (the COMMIT may have landed), and gRPC says it when
// the server vanished mid-call.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "miniter/v1/miniter.grpc.pb.h"
#include "tests/reliability/event_log.h"

ABSL_FLAG(std::string, server, "127.0.0.1:50051", "miniter address");
ABSL_FLAG(std::string, log, "", "log file (appended to); required");
ABSL_FLAG(std::string, run, "run", "marker prefix, unique per invocation");
ABSL_FLAG(int, writers, 4, "concurrent writers");
ABSL_FLAG(double, duration, 10, "seconds of load");
ABSL_FLAG(int, deadline_ms, 2000, "deadline of every Tweet call");
ABSL_FLAG(int, pause_after_failure_ms, 20,
          "pause of a writer after a failed call (keeps a dead server from "
          "being spun on)");
ABSL_FLAG(int, tweet_interval_ms, 0,
          "pause of a writer after each call (0: none): keeps a run's tweets "
          "below the tier's retention, so entries are never trimmed");
ABSL_FLAG(double, setup_wait, 60, "seconds to wait for sign-up to succeed");
ABSL_FLAG(bool, watch_health, true, "log health transitions (Health.Watch)");
ABSL_FLAG(bool, read_timeline, true,
          "after the load, page through the user's own timeline (and each "
          "follower's home timeline) and log every tweet id on it "
          "(check_log.py compares it with the database)");
ABSL_FLAG(int, followers, 0,
          "followers of the author, signed up before the load: during it "
          "each reads its home timeline's first page every "
          "--follower_read_ms (so its memory-tier entry exists and is used), "
          "and after it each pages through its home timeline, which must "
          "then hold every stored tweet of the run (fan-out entries, not "
          "only the author's own)");
ABSL_FLAG(int, follower_read_ms, 200,
          "pause between two reads of one follower during the load");

namespace {

using miniter::v1::Miniter;

using miniter::reliability::EventLog;

std::shared_ptr<grpc::Channel> MakeChannel(const std::string& address) {
  grpc::ChannelArguments arguments;
  // A restarted server must be found again within a fraction of a second,
  // not after gRPC's default reconnect backoff (up to two minutes).
  // (GRPC_ARG_MIN_RECONNECT_BACKOFF_MS is left alone: it is also the
  // connect timeout, and 100 ms cuts off handshakes on a busy machine.)
  arguments.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  arguments.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 500);
  arguments.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  return grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(),
                                   arguments);
}

std::string CodeName(grpc::StatusCode code) {
  // gRPC and Abseil number status codes alike, so Abseil names them.
  const int i = static_cast<int>(code);
  std::string name = absl::StatusCodeToString(static_cast<absl::StatusCode>(i));
  return name.empty() ? absl::StrCat("CODE_", i) : name;
}

// True when gRPC failed the call at its load-balancing pick: no connection
// was ready, so nothing was sent (gRPC C-core's pick_first/round_robin
// pickers in TRANSIENT_FAILURE; a call that reached a transport and lost it
// says "Socket closed", "Connection reset" or the like instead).
bool NeverSent(const grpc::Status& status) {
  return status.error_code() == grpc::StatusCode::UNAVAILABLE &&
         absl::StrContains(status.error_message(),
                           "failed to connect to all addresses");
}

// True when the status promises that the Tweet was not written (see the
// file comment).
bool DefinitelyNotWritten(const grpc::Status& status) {
  if (NeverSent(status)) return true;
  switch (status.error_code()) {
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::UNAUTHENTICATED:
    case grpc::StatusCode::NOT_FOUND:
    case grpc::StatusCode::PERMISSION_DENIED: return true;
    default: return false;
  }
}

std::string OneLine(std::string text) {
  return absl::StrReplaceAll(text, {{"\t", " "}, {"\n", " "}});
}

struct Account {
  std::string token;  // empty: sign-up or login failed
  std::uint64_t user_id = 0;
};

// Signs up and logs in the user `name`, retrying while the server or its
// database is still starting.
Account SignUpAndLogin(Miniter::Stub& stub, const std::string& name,
                       absl::Duration wait) {
  const std::string email = absl::StrCat(name, "@reliability.example.com");
  const absl::Time give_up = absl::Now() + wait;
  bool signed_up = false;
  while (absl::Now() < give_up) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(10));
    grpc::Status status;
    if (!signed_up) {
      miniter::v1::SignUpRequest request;
      request.set_name(name.substr(0, 30));
      request.set_email(email);
      request.set_password("correct horse battery staple");
      miniter::v1::SignUpResponse response;
      status = stub.SignUp(&context, request, &response);
      signed_up = status.ok() ||
                  status.error_code() == grpc::StatusCode::ALREADY_EXISTS;
    } else {
      miniter::v1::LoginRequest request;
      request.set_email(email);
      request.set_password("correct horse battery staple");
      miniter::v1::LoginResponse response;
      status = stub.Login(&context, request, &response);
      if (status.ok()) return {response.access_token(), response.user_id()};
    }
    if (!status.ok() && !signed_up) {
      std::fprintf(stderr, "load_driver: sign-up: %s (retrying)\n",
                   status.error_message().c_str());
      absl::SleepFor(absl::Milliseconds(200));
    }
  }
  return {};
}

// Held by main until every writer's channel is connected; then it carries
// the moment the load ends.
struct StartGate {
  absl::Mutex mu;
  int connected ABSL_GUARDED_BY(mu) = 0;
  int failed ABSL_GUARDED_BY(mu) = 0;
  absl::Notification open;
  absl::Time end;  // written before `open` is notified
};

// Connects `channel` within `wait`; false if it never became READY.
bool Connect(grpc::Channel& channel, absl::Duration wait) {
  return channel.WaitForConnected(absl::ToChronoTime(absl::Now() + wait));
}

void Writer(const std::string& address, EventLog& log, const std::string& token,
            const std::string& prefix, StartGate& gate) {
  // A channel per writer, replaced when it reports that it cannot connect:
  // after a kill -9 of the server, gRPC 1.51's channel was seen to keep
  // failing with "Connection refused" for over 8 s after the new server
  // listened, which would measure the client's reconnect policy instead of
  // the server's recovery.
  std::shared_ptr<grpc::Channel> channel = MakeChannel(address);
  // The scenario's clock starts when every writer is connected: forty
  // channels dialling at once on a busy machine once left one writer's
  // first calls failing before its connection was up, which measured the
  // client's start-up, not the server.
  const bool connected =
      Connect(*channel, absl::Seconds(absl::GetFlag(FLAGS_setup_wait)));
  {
    absl::MutexLock lock(&gate.mu);
    ++(connected ? gate.connected : gate.failed);
  }
  gate.open.WaitForNotification();
  const absl::Time end = gate.end;
  std::unique_ptr<Miniter::Stub> stub = Miniter::NewStub(channel);
  absl::Time channel_made = absl::Now();
  const auto deadline =
      std::chrono::milliseconds(absl::GetFlag(FLAGS_deadline_ms));
  const absl::Duration pause =
      absl::Milliseconds(absl::GetFlag(FLAGS_pause_after_failure_ms));
  const absl::Duration interval =
      absl::Milliseconds(absl::GetFlag(FLAGS_tweet_interval_ms));
  for (int seq = 0; absl::Now() < end; ++seq) {
    const std::string marker = absl::StrCat(prefix, "-", seq);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + deadline);
    context.AddMetadata("authorization", "Bearer " + token);
    miniter::v1::TweetRequest request;
    request.set_text(marker);
    miniter::v1::TweetResponse response;
    log.Write(absl::StrCat("sent\t", marker));
    const absl::Time started = absl::Now();
    const grpc::Status status = stub->Tweet(&context, request, &response);
    const int64_t latency = absl::ToInt64Milliseconds(absl::Now() - started);
    if (status.ok()) {
      log.Write(absl::StrCat("ok\t", marker, "\t", latency, "\t",
                             response.tweet().id()));
      absl::SleepFor(interval);
      continue;
    }
    std::string message = OneLine(status.error_message());
    const auto hint =
        context.GetServerTrailingMetadata().find("retry-after-ms");
    if (hint != context.GetServerTrailingMetadata().end()) {
      absl::StrAppend(&message, " [retry-after-ms=",
                      std::string(hint->second.data(), hint->second.size()),
                      "]");
    }
    log.Write(absl::StrCat(DefinitelyNotWritten(status) ? "failed" : "unknown",
                           "\t", marker, "\t", latency, "\t",
                           CodeName(status.error_code()), "\t", message));
    if (status.error_code() == grpc::StatusCode::UNAVAILABLE &&
        absl::StrContains(status.error_message(), "failed to connect") &&
        absl::Now() - channel_made > absl::Milliseconds(300)) {
      stub = Miniter::NewStub(MakeChannel(address));
      channel_made = absl::Now();
    }
    absl::SleepFor(pause);
  }
}

// Logs every health status the server announces until `stop`.
class HealthWatcher {
 public:
  HealthWatcher(std::shared_ptr<grpc::Channel> channel, EventLog& log)
      : stub_(grpc::health::v1::Health::NewStub(std::move(channel))),
        log_(log),
        thread_([this] { Run(); }) {}

  ~HealthWatcher() {
    stop_.Notify();
    {
      absl::MutexLock lock(&mu_);
      if (context_ != nullptr) context_->TryCancel();
    }
    thread_.join();
  }

 private:
  void Run() {
    std::string last;
    while (!stop_.HasBeenNotified()) {
      grpc::ClientContext context;
      {
        absl::MutexLock lock(&mu_);
        context_ = &context;
      }
      grpc::health::v1::HealthCheckRequest request;
      request.set_service("miniter.v1.Miniter");
      auto reader = stub_->Watch(&context, request);
      grpc::health::v1::HealthCheckResponse response;
      while (reader->Read(&response)) {
        const std::string status =
            grpc::health::v1::HealthCheckResponse::ServingStatus_Name(
                response.status());
        if (status != last) log_.Write(absl::StrCat("health\t", status));
        last = status;
      }
      const grpc::Status end = reader->Finish();
      {
        absl::MutexLock lock(&mu_);
        context_ = nullptr;
      }
      if (stop_.HasBeenNotified()) break;
      const std::string ended =
          absl::StrCat("ended:", CodeName(end.error_code()));
      if (ended != last) log_.Write(absl::StrCat("health\t", ended));
      last = ended;
      stop_.WaitForNotificationWithTimeout(absl::Milliseconds(100));
    }
  }

  std::unique_ptr<grpc::health::v1::Health::Stub> stub_;
  EventLog& log_;
  absl::Notification stop_;
  absl::Mutex mu_;
  grpc::ClientContext* context_ ABSL_GUARDED_BY(mu_) = nullptr;
  std::thread thread_;
};

// Pages through `role`'s home timeline (the author's: every tweet the run
// wrote; a follower's: the same, through the fan-out) and logs
// "timeline ID" for each tweet between "timeline_begin RUN ROLE" and
// "timeline_end OK" or the error: what was acknowledged must be readable,
// whatever the run did to the database, the server or the memory tier.
void ReadHomeTimeline(Miniter::Stub& stub, const std::string& token,
                      const std::string& run, const std::string& role,
                      EventLog& log) {
  log.Write(absl::StrCat("timeline_begin\t", run, "\t", role));
  std::string page_token;
  for (int page = 0; page < 100000; ++page) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(10));
    context.AddMetadata("authorization", "Bearer " + token);
    miniter::v1::TimelineRequest request;
    request.set_page_size(100);
    request.set_page_token(page_token);
    miniter::v1::TimelineResponse response;
    const grpc::Status status = stub.Timeline(&context, request, &response);
    if (!status.ok()) {
      log.Write(absl::StrCat("timeline_end\t", CodeName(status.error_code()),
                             "\t", OneLine(status.error_message())));
      return;
    }
    for (const miniter::v1::Tweet& tweet : response.tweets()) {
      log.Write(absl::StrCat("timeline\t", tweet.id()));
    }
    if (response.next_page_token().empty()) break;
    page_token = response.next_page_token();
  }
  log.Write("timeline_end\tOK");
}

// A follower of the author: signed up and following before the load, it
// reads its home timeline's first page throughout the load, so that its
// memory-tier entry is built, written by the fan-out and read while the
// run's faults happen.
class Follower {
 public:
  Follower(std::string role, Account account)
      : role_(std::move(role)), account_(std::move(account)) {}

  const std::string& role() const { return role_; }
  const Account& account() const { return account_; }

  // Reads until `end`, every `pause`; logs each failure.
  void ReadUntil(Miniter::Stub& stub, absl::Time end, absl::Duration pause,
                 EventLog& log) {
    int ok = 0;
    int failed = 0;
    while (absl::Now() < end) {
      grpc::ClientContext context;
      context.set_deadline(
          std::chrono::system_clock::now() +
          std::chrono::milliseconds(absl::GetFlag(FLAGS_deadline_ms)));
      context.AddMetadata("authorization", "Bearer " + account_.token);
      miniter::v1::TimelineRequest request;
      request.set_page_size(50);
      miniter::v1::TimelineResponse response;
      const grpc::Status status = stub.Timeline(&context, request, &response);
      if (status.ok()) {
        ++ok;
      } else {
        ++failed;
        log.Write(absl::StrCat("read_failed\t", role_, "\t",
                               CodeName(status.error_code()), "\t",
                               OneLine(status.error_message())));
      }
      absl::SleepFor(pause);
    }
    log.Write(absl::StrCat("reads\t", role_, "\t", ok, "\t", failed));
  }

 private:
  std::string role_;
  Account account_;
};

// Signs up `count` followers of `author` (names RUN-fK) and makes each
// follow it; logs their ids. Empty when one of them could not be set up.
std::vector<Follower> SetUpFollowers(Miniter::Stub& stub,
                                     const std::string& run, int count,
                                     std::uint64_t author, EventLog& log) {
  std::vector<Follower> followers;
  for (int k = 0; k < count; ++k) {
    Account account =
        SignUpAndLogin(stub, absl::StrCat(run, "-f", k),
                       absl::Seconds(absl::GetFlag(FLAGS_setup_wait)));
    if (account.token.empty()) return {};
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(10));
    context.AddMetadata("authorization", "Bearer " + account.token);
    miniter::v1::FollowRequest request;
    request.set_user_id(author);
    miniter::v1::FollowResponse response;
    const grpc::Status status = stub.Follow(&context, request, &response);
    if (!status.ok()) {
      std::fprintf(stderr, "load_driver: follow: %s\n",
                   status.error_message().c_str());
      return {};
    }
    const std::string role = absl::StrCat("follower-", k);
    log.Write(
        absl::StrCat("account\t", run, "\t", role, "\t", account.user_id));
    followers.emplace_back(role, std::move(account));
  }
  return followers;
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const std::string log_path = absl::GetFlag(FLAGS_log);
  if (log_path.empty()) {
    std::fprintf(stderr, "load_driver: --log is required\n");
    return 2;
  }
  EventLog log(log_path);
  if (!log.ok()) {
    std::fprintf(stderr, "load_driver: cannot open %s\n", log_path.c_str());
    return 2;
  }
  const std::string run = absl::GetFlag(FLAGS_run);
  auto channel = MakeChannel(absl::GetFlag(FLAGS_server));
  auto stub = Miniter::NewStub(channel);
  const Account author = SignUpAndLogin(
      *stub, run, absl::Seconds(absl::GetFlag(FLAGS_setup_wait)));
  if (author.token.empty()) {
    std::fprintf(stderr, "load_driver: could not sign up and log in\n");
    return 1;
  }
  const std::string& token = author.token;
  log.Write(absl::StrCat("account\t", run, "\tauthor\t", author.user_id));
  const int follower_count = absl::GetFlag(FLAGS_followers);
  std::vector<Follower> followers =
      SetUpFollowers(*stub, run, follower_count, author.user_id, log);
  if (static_cast<int>(followers.size()) != follower_count) {
    std::fprintf(stderr, "load_driver: could not set up the followers\n");
    return 1;
  }
  std::unique_ptr<HealthWatcher> health;
  if (absl::GetFlag(FLAGS_watch_health)) {
    // A channel of its own: the watch stream must not share the writers'
    // connection fate (a stream ending is logged as an event of its own).
    health = std::make_unique<HealthWatcher>(
        MakeChannel(absl::GetFlag(FLAGS_server)), log);
  }
  const int writer_count = absl::GetFlag(FLAGS_writers);
  StartGate gate;
  std::vector<std::thread> writers;
  for (int w = 0; w < writer_count; ++w) {
    writers.emplace_back([&, w] {
      Writer(absl::GetFlag(FLAGS_server), log, token,
             absl::StrCat(run, "-w", w), gate);
    });
  }
  int failed_to_connect = 0;
  {
    absl::MutexLock lock(&gate.mu);
    auto all_done = [&gate, writer_count]()
                        ABSL_SHARED_LOCKS_REQUIRED(gate.mu) {
                          return gate.connected + gate.failed == writer_count;
                        };
    gate.mu.Await(absl::Condition(&all_done));
    failed_to_connect = gate.failed;
  }
  // Writers that could not connect would only measure the client: then no
  // call is made at all and the run fails below.
  gate.end = failed_to_connect == 0
                 ? absl::Now() + absl::Seconds(absl::GetFlag(FLAGS_duration))
                 : absl::Now();
  if (failed_to_connect == 0) log.Write(absl::StrCat("start\t", run));
  gate.open.Notify();
  std::vector<std::thread> readers;
  for (Follower& follower : followers) {
    readers.emplace_back([&] {
      Miniter::Stub reader_stub(MakeChannel(absl::GetFlag(FLAGS_server)));
      follower.ReadUntil(
          reader_stub, gate.end,
          absl::Milliseconds(absl::GetFlag(FLAGS_follower_read_ms)), log);
    });
  }
  for (std::thread& writer : writers) writer.join();
  for (std::thread& reader : readers) reader.join();
  if (failed_to_connect > 0) {
    std::fprintf(stderr, "load_driver: %d writers could not connect\n",
                 failed_to_connect);
    return 1;
  }
  health.reset();
  if (absl::GetFlag(FLAGS_read_timeline)) {
    // A fresh channel: the writers' may be in a reconnect backoff.
    auto reader = Miniter::NewStub(MakeChannel(absl::GetFlag(FLAGS_server)));
    ReadHomeTimeline(*reader, token, run, "author", log);
    for (const Follower& follower : followers) {
      ReadHomeTimeline(*reader, follower.account().token, run, follower.role(),
                       log);
    }
  }
  log.Write(absl::StrCat("end\t", run));
  return 0;
}
