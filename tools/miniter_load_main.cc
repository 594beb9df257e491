// miniter_load_main.cc: miniter-load, the benchmark's load generator and
// helper (used by bench/run.py). Subcommands:
//
//   miniter-load login --server=H:P --emails_file=F --out=TOKENS.tsv
//       logs each e-mail in (password "benchmark password") and writes
//       "email<TAB>user_id<TAB>token" lines: real tokens, a few per second.
//   miniter-load mint --secret_file=F --user_ids_file=F --out=TOKENS.tsv
//       issues tokens with the server's own TokenService and secret (no
//       Argon2, thousands per second): "user_id<TAB>token" lines.
//   miniter-load health --server=H:P --wait=120s [--watch_pid=PID]
//       waits until grpc.health.v1.Health/Check of --service answers
//       SERVING (exit 0); exit 1 after --wait, 3 when PID exited first.
//   miniter-load run --server=H:P --workload=W.tsv --scenario=S
//                    (--concurrency=C [--count=N] | --rate=R) --duration=30s
//                    --out=R.json
//       drives one scenario (timeline, tweet, follow, mix, health,
//       search_users with --queries_file, user_tweets)
//       closed-loop (C calls always in flight: peak throughput; with
//       --count, until N calls were made, however long that takes) or
//       open-loop (calls started at a fixed rate R whatever the server
//       does: latency under a given offered load), and writes counts and
//       latency percentiles; with --server_pid, also the server's CPU
//       time per call in the measured window.
//   miniter-load anchor-read --database_url=URL --workload=W.tsv --threads=N
//                    --duration=D --out=J.json [--query=in|derived]
//       the raw fan-out-on-read query as a prepared statement, straight
//       against MariaDB (sql_anchors.h).
//   miniter-load anchor-insert --database_url=URL --user_ids_file=F
//                    --threads=N --duration=D --out=J.json
//       durable single-row INSERTs into tweets, prepared (sql_anchors.h).
//   miniter-load staleness --server=H:P --pairs=P.tsv --rate=R
//                    --duration=D --out=J.json
//       follower staleness of Tweets at a fixed rate (staleness.h).
//   miniter-load watch --server=H:P --watchers=W.tsv --authors=A.tsv
//                    --rate=R --duration=D --out=J.json
//       WatchTimeline fan-out: one stream per watcher, Tweets by the
//       authors at a fixed rate, delivery delay to every stream that
//       should get them (watch_fanout.h).
//
// Why not ghz alone: ghz (v0.120) varies metadata only through a Go
// template re-parsed on every call, and one ghz process drives one method,
// so per-call tokens, the 60/30/10 mix and per-user Follow/Unfollow
// alternation would cost client CPU on a 2-core machine shared with the
// server, and its rate mode measures latency from the actual send, hiding
// queueing in the client (coordinated omission). Here open-loop latency is
// measured from the moment each call was *due*, one completion-queue
// thread drives everything, and every call carries its own user's token.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "miniter/v1/miniter.grpc.pb.h"
#include "server/rules/token_service.h"
#include "tools/bench_data.h"
#include "tools/completion_queue_wait.h"
#include "tools/load_stats.h"
#include "tools/sql_anchors.h"
#include "tools/staleness.h"
#include "tools/tool_command_line.h"
#include "tools/watch_fanout.h"

ABSL_FLAG(std::string, server, "127.0.0.1:50051", "address of miniter-server");
ABSL_FLAG(std::string, out, "", "output file (login: TSV; run: JSON)");
ABSL_FLAG(std::string, emails_file, "", "login: one e-mail per line");
ABSL_FLAG(std::string, password, miniter::tools::kBenchPassword,
          "login: the password of every e-mail");
ABSL_FLAG(std::string, workload, "",
          "run: TSV lines user_id<TAB>token<TAB>followee,followee,...");
ABSL_FLAG(std::string, scenario, "timeline",
          "run: timeline, tweet, follow, mix, health, search_users or "
          "user_tweets");
ABSL_FLAG(std::string, queries_file, "",
          "run --scenario=search_users: one SearchUsers query per line "
          "(UTF-8), each call takes one at random");
ABSL_FLAG(int, concurrency, 0,
          "run: closed loop with this many calls in flight");
ABSL_FLAG(double, rate, 0, "run: open loop, calls started per second");
ABSL_FLAG(absl::Duration, duration, absl::Seconds(30), "run: measured time");
ABSL_FLAG(absl::Duration, warmup, absl::Seconds(2),
          "run: time before measuring (connections, caches)");
ABSL_FLAG(absl::Duration, call_timeout, absl::Seconds(5),
          "deadline of each call");
ABSL_FLAG(std::uint64_t, min_user_id, 1,
          "run: smallest user id in the data set");
ABSL_FLAG(std::uint64_t, max_user_id, 0,
          "run: largest user id in the data set");
ABSL_FLAG(int, page_size, 50,
          "run: page size of Timeline, SearchUsers and UserTweets");
ABSL_FLAG(int, channels, 4,
          "run: gRPC channels (TCP connections) the calls are spread over");
ABSL_FLAG(int, max_outstanding, 20000,
          "run: open loop stops starting calls past this many in flight "
          "(counted as dropped)");
ABSL_FLAG(std::uint64_t, seed, 1, "random seed");
ABSL_FLAG(int, server_pid, 0,
          "run: the server's process id, when it runs on this machine: the "
          "JSON then has its CPU seconds in the measured window and per call");
ABSL_FLAG(std::string, trace_out, "",
          "run: also write every measured call as a TSV line \"due_ms "
          "latency_ms kind code\" (due time from the start of the measured "
          "window), to see when slow calls happen");
ABSL_FLAG(bool, each_user_in_turn, false,
          "run: take the workload's users in order (wrapping around) instead "
          "of at random; with --count equal to the number of users, every "
          "user makes exactly one call");
ABSL_FLAG(std::int64_t, count, 0,
          "run (closed loop): stop after this many calls, measuring all of "
          "them (no warm-up, no --duration)");
// health
ABSL_FLAG(absl::Duration, wait, absl::Seconds(120),
          "health: give up after this long");
ABSL_FLAG(std::string, service, "miniter.v1.Miniter",
          "health, run --scenario=health: the service asked about");
ABSL_FLAG(int, watch_pid, 0,
          "health: stop waiting (exit 3) when this process has exited");
// mint
ABSL_FLAG(std::string, secret_file, "",
          "mint: file holding the server's token secret");
ABSL_FLAG(std::string, user_ids_file, "",
          "mint: the user ids to issue tokens for; anchor-insert: the "
          "authors (first column of each line)");
ABSL_FLAG(absl::Duration, token_lifetime, absl::Hours(24),
          "mint: lifetime of the tokens");
// anchors
ABSL_FLAG(std::string, database_url, "",
          "anchor-read, anchor-insert: mysql://USER:PASSWORD@HOST:PORT/DB "
          "(default: $MINITER_DATABASE_URL)");
ABSL_FLAG(int, threads, 8,
          "anchor-read, anchor-insert: threads, each with its own connection");
ABSL_FLAG(std::string, query, "in",
          "anchor-read: in (IN subquery) or derived (join with a derived "
          "table of followees)");
// staleness
ABSL_FLAG(std::string, pairs, "",
          "staleness: lines author_id<TAB>token<TAB>follower_id<TAB>token");
ABSL_FLAG(int, sample_every, 20,
          "staleness: follow up one OK Tweet in this many");
ABSL_FLAG(absl::Duration, max_wait, absl::Seconds(10),
          "staleness: a sampled tweet not seen by then counts as never seen; "
          "watch: how long after the last Tweet deliveries are waited for");
ABSL_FLAG(absl::Duration, poll_gap, absl::Milliseconds(2),
          "staleness: pause between two Timeline polls of one sample");
// watch
ABSL_FLAG(std::string, watchers, "",
          "watch: one WatchTimeline stream per line, in the --workload format");
ABSL_FLAG(std::string, authors, "",
          "watch: the Tweets' authors, lines user_id<TAB>token");
ABSL_FLAG(absl::Duration, settle, absl::Seconds(2),
          "watch: time between opening the streams and the first Tweet");

namespace miniter::tools {
namespace {

namespace pb = ::miniter::v1;
namespace health = ::grpc::health::v1;
using Clock = std::chrono::steady_clock;

std::shared_ptr<grpc::Channel> NewChannel(int index) {
  grpc::ChannelArguments args;
  // Distinct arguments and a local subchannel pool give each channel its
  // own TCP connection, so the server sees several HTTP/2 connections as
  // it would from several clients.
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  args.SetInt("miniter.load.channel", index);
  return grpc::CreateCustomChannel(absl::GetFlag(FLAGS_server),
                                   grpc::InsecureChannelCredentials(), args);
}

int Fail(const std::string& message) {
  std::fprintf(stderr, "miniter-load: %s\n", message.c_str());
  return 1;
}

// ---- login ------------------------------------------------------------------

int Login() {
  std::ifstream in(absl::GetFlag(FLAGS_emails_file));
  if (!in) return Fail("cannot read --emails_file");
  std::vector<std::string> emails;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) emails.push_back(line);
  }
  std::vector<std::string> lines(emails.size());
  std::atomic<std::size_t> next{0};
  std::atomic<bool> failed{false};
  std::mutex error_mutex;
  std::string error;
  auto stub = pb::Miniter::NewStub(NewChannel(0));
  // Two at a time: the server runs at most a couple of Argon2id checks at
  // once and turns the excess away (RESOURCE_EXHAUSTED), which is retried.
  auto worker = [&] {
    for (std::size_t i; (i = next++) < emails.size() && !failed;) {
      pb::LoginRequest request;
      request.set_email(emails[i]);
      request.set_password(absl::GetFlag(FLAGS_password));
      for (int attempt = 1;; ++attempt) {
        grpc::ClientContext context;
        context.set_deadline(std::chrono::system_clock::now() +
                             std::chrono::seconds(30));
        pb::LoginResponse response;
        grpc::Status status = stub->Login(&context, request, &response);
        if (status.ok()) {
          lines[i] = absl::StrCat(emails[i], "\t", response.user_id(), "\t",
                                  response.access_token());
          break;
        }
        const bool retry =
            (status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED ||
             status.error_code() == grpc::StatusCode::UNAVAILABLE) &&
            attempt < 10;
        if (!retry) {
          std::lock_guard<std::mutex> lock(error_mutex);
          error =
              absl::StrCat("login ", emails[i], ": code ", status.error_code(),
                           ": ", status.error_message());
          failed = true;
          break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100 * attempt));
      }
    }
  };
  std::thread a(worker), b(worker);
  a.join();
  b.join();
  if (failed) return Fail(error);
  std::ofstream out(absl::GetFlag(FLAGS_out), std::ios::trunc);
  for (const std::string& line : lines) out << line << "\n";
  out.close();
  if (!out) return Fail("cannot write --out");
  return 0;
}

// ---- run --------------------------------------------------------------------

struct BenchUser {
  std::uint64_t id = 0;
  std::string authorization;  // "Bearer <token>"
  std::vector<std::uint64_t> followees;
  std::unordered_set<std::uint64_t> followee_set;
  // Follow scenario: the account this user follows next, then unfollows.
  std::uint64_t follow_target = 0;
  bool following_target = false;
};

enum Kind {
  kTimeline,          // own timeline (user_id 0)
  kTimelineFollowed,  // the timeline of an account the caller follows
  kTimelineRandom,    // the timeline of any user
  kTweet,
  kFollow,
  kUnfollow,
  kHealth,       // grpc.health.v1.Health/Check: the server's cost floor
  kSearchUsers,  // a name prefix from --queries_file, first page
  kUserTweets,   // the own tweets of any user, first page
  kKindCount
};
constexpr const char* kKindNames[kKindCount] = {
    "timeline",   "timeline_followed", "timeline_random", "tweet",
    "follow",     "unfollow",          "health",          "search_users",
    "user_tweets"};

struct Call {
  virtual ~Call() = default;
  grpc::ClientContext context;
  grpc::Status status;
  Kind kind = kTimeline;
  Clock::time_point due;
  int page_len = -1;
  virtual void Done() {}
};

template <typename Response>
struct TypedCall : Call {
  Response response;
  std::unique_ptr<grpc::ClientAsyncResponseReader<Response>> reader;
};

struct TimelineCall : TypedCall<pb::TimelineResponse> {
  void Done() override { page_len = response.tweets_size(); }
};

struct SearchUsersCall : TypedCall<pb::SearchUsersResponse> {
  void Done() override { page_len = response.users_size(); }
};

struct UserTweetsCall : TypedCall<pb::UserTweetsResponse> {
  void Done() override { page_len = response.tweets_size(); }
};

struct KindStats {
  std::vector<std::int64_t> latencies_ns;  // of successful calls
  std::map<std::string, std::int64_t> errors;
  std::int64_t page_tweets = 0, pages = 0;  // tweets, or users of a search
};

class Driver {
 public:
  Driver(std::vector<BenchUser> users, std::vector<std::string> texts,
         std::vector<std::string> queries)
      : users_(std::move(users)),
        texts_(std::move(texts)),
        queries_(std::move(queries)),
        rng_(absl::GetFlag(FLAGS_seed)) {
    for (int i = 0; i < std::max(1, absl::GetFlag(FLAGS_channels)); ++i) {
      // Both services' calls on the same channels (TCP connections).
      std::shared_ptr<grpc::Channel> channel = NewChannel(i);
      stubs_.push_back(pb::Miniter::NewStub(channel));
      health_stubs_.push_back(health::Health::NewStub(channel));
    }
    min_id_ = absl::GetFlag(FLAGS_min_user_id);
    max_id_ = absl::GetFlag(FLAGS_max_user_id);
    if (max_id_ < min_id_) {
      for (const BenchUser& u : users_) max_id_ = std::max(max_id_, u.id);
    }
  }

  int Run(const std::string& scenario, int concurrency, double rate,
          std::int64_t count) {
    scenario_ = scenario;
    count_ = count;
    const auto warmup = absl::ToChronoNanoseconds(absl::GetFlag(FLAGS_warmup));
    const auto duration =
        absl::ToChronoNanoseconds(absl::GetFlag(FLAGS_duration));
    const Clock::time_point start = Clock::now();
    measure_from_ = start + warmup;
    end_ = measure_from_ + duration;
    if (count_ > 0) {  // every call counts, however long they take
      measure_from_ = start;
      end_ = Clock::time_point::max();
    }
    const bool open = rate > 0;
    const auto interval = std::chrono::nanoseconds(
        open ? static_cast<std::int64_t>(1e9 / rate) : 0);
    Clock::time_point next_due = start;
    if (!open) {
      for (int i = 0; i < concurrency && CountLeft(); ++i) Start(Clock::now());
    }
    for (;;) {
      Clock::time_point now = Clock::now();
      SampleServerCpu(now);
      if (open) {
        // Every call that has come due is started now, even if the client
        // fell behind; its latency still counts from when it was due.
        while (next_due <= now && next_due < end_) {
          if (outstanding_ < absl::GetFlag(FLAGS_max_outstanding)) {
            Start(next_due);
          } else if (next_due >= measure_from_) {
            ++dropped_;
          }
          next_due += interval;
        }
      }
      if ((now >= end_ || !CountLeft()) && outstanding_ == 0) break;
      Clock::time_point wake = open && next_due < end_
                                   ? next_due
                                   : now + std::chrono::milliseconds(50);
      void* tag = nullptr;
      bool ok = false;
      const auto result = NextUntil(cq_, wake, &tag, &ok);
      if (result == grpc::CompletionQueue::SHUTDOWN) break;
      if (result != grpc::CompletionQueue::GOT_EVENT) continue;
      std::unique_ptr<Call> call(static_cast<Call*>(tag));
      --outstanding_;
      Record(*call, Clock::now());
      if (!open && Clock::now() < end_ && CountLeft()) Start(Clock::now());
    }
    const absl::Duration measured = count_ > 0
                                        ? absl::FromChrono(Clock::now() - start)
                                        : absl::GetFlag(FLAGS_duration);
    if (scenario_ == "follow") UndoFollows();
    cq_.Shutdown();
    void* tag;
    bool ok;
    while (cq_.Next(&tag, &ok)) delete static_cast<Call*>(tag);
    return WriteJson(concurrency, rate, measured);
  }

 private:
  bool CountLeft() const { return count_ <= 0 || started_ < count_; }

  // The server's CPU clock when the measured window opens and when it
  // closes (the loop wakes at least every 50 ms, so the edges are that
  // close); unmeasured with --count, whose window has no fixed end.
  void SampleServerCpu(Clock::time_point now) {
    const int pid = absl::GetFlag(FLAGS_server_pid);
    if (pid <= 0 || count_ > 0) return;
    if (!server_cpu_start_ && now >= measure_from_) {
      server_cpu_start_ = ProcessCpuSeconds(pid);
    } else if (server_cpu_start_ && !server_cpu_end_ && now >= end_) {
      server_cpu_end_ = ProcessCpuSeconds(pid);
    }
  }

  // Unfollows what the last Follow of each user added, so the generated
  // graph is as loaded for the next run. Due after the end: not measured.
  void UndoFollows() {
    for (BenchUser& user : users_) {
      if (user.following_target) Start(end_, &user);
    }
    while (outstanding_ > 0) {
      void* tag = nullptr;
      bool ok = false;
      if (!cq_.Next(&tag, &ok)) break;
      delete static_cast<Call*>(tag);
      --outstanding_;
    }
  }

  std::uint64_t RandomUserId(std::uint64_t not_this) {
    for (;;) {
      std::uint64_t id = min_id_ + rng_.Below(max_id_ - min_id_ + 1);
      if (id != not_this || max_id_ == min_id_) return id;
    }
  }

  // Starts the next call of the scenario for a random sampled user, or for
  // `only` when given (the Unfollow that closes a Follow after the run).
  void Start(Clock::time_point due, BenchUser* only = nullptr) {
    BenchUser& user =
        only != nullptr ? *only
        : in_turn_ ? users_[static_cast<std::size_t>(started_) % users_.size()]
                   : users_[rng_.Below(users_.size())];
    pb::Miniter::Stub& stub = *stubs_[next_stub_++ % stubs_.size()];
    Kind kind;
    if (scenario_ == "timeline") {
      kind = kTimeline;
    } else if (scenario_ == "health") {
      kind = kHealth;
    } else if (scenario_ == "tweet") {
      kind = kTweet;
    } else if (scenario_ == "follow") {
      kind = user.following_target ? kUnfollow : kFollow;
    } else if (scenario_ == "search_users") {
      kind = kSearchUsers;
    } else if (scenario_ == "user_tweets") {
      kind = kUserTweets;
    } else {  // mix
      const double d = rng_.Unit();
      kind = d < 0.6 ? kTimelineFollowed : d < 0.9 ? kTimelineRandom : kTweet;
    }
    const auto deadline =
        std::chrono::system_clock::now() +
        absl::ToChronoNanoseconds(absl::GetFlag(FLAGS_call_timeout));
    auto prepare = [&](Call& call) {
      call.kind = kind;
      call.due = due;
      call.context.set_deadline(deadline);
      call.context.AddMetadata("authorization", user.authorization);
    };
    // Starts `call` as `request` to the Miniter stub's PrepareAsync method.
    auto send = [&](auto* call, auto prepare_async, const auto& request) {
      prepare(*call);
      call->reader = (stub.*prepare_async)(&call->context, request, &cq_);
      Launch(call);
    };
    if (kind == kHealth) {
      health::HealthCheckRequest request;
      request.set_service(absl::GetFlag(FLAGS_service));
      auto* call = new TypedCall<health::HealthCheckResponse>;
      prepare(*call);
      call->reader = health_stubs_[(next_stub_ - 1) % health_stubs_.size()]
                         ->PrepareAsyncCheck(&call->context, request, &cq_);
      Launch(call);
    } else if (kind == kTimeline || kind == kTimelineFollowed ||
               kind == kTimelineRandom) {
      pb::TimelineRequest request;
      request.set_page_size(absl::GetFlag(FLAGS_page_size));
      if (kind == kTimelineFollowed) {
        request.set_user_id(
            user.followees.empty()
                ? user.id
                : user.followees[rng_.Below(user.followees.size())]);
      } else if (kind == kTimelineRandom) {
        request.set_user_id(RandomUserId(0));
      }
      send(new TimelineCall, &pb::Miniter::Stub::PrepareAsyncTimeline, request);
    } else if (kind == kSearchUsers) {
      pb::SearchUsersRequest request;
      request.set_query(queries_[rng_.Below(queries_.size())]);
      request.set_page_size(absl::GetFlag(FLAGS_page_size));
      send(new SearchUsersCall, &pb::Miniter::Stub::PrepareAsyncSearchUsers,
           request);
    } else if (kind == kUserTweets) {
      pb::UserTweetsRequest request;
      request.set_user_id(RandomUserId(0));
      request.set_page_size(absl::GetFlag(FLAGS_page_size));
      send(new UserTweetsCall, &pb::Miniter::Stub::PrepareAsyncUserTweets,
           request);
    } else if (kind == kTweet) {
      pb::TweetRequest request;
      request.set_text(texts_[rng_.Below(texts_.size())]);
      send(new TypedCall<pb::TweetResponse>,
           &pb::Miniter::Stub::PrepareAsyncTweet, request);
    } else if (kind == kFollow) {
      // A target the user does not already follow, so the Unfollow that
      // comes next leaves the generated graph as it was.
      std::uint64_t target;
      int tries = 0;
      do {
        target = RandomUserId(user.id);
      } while (user.followee_set.count(target) != 0 && ++tries < 20);
      user.follow_target = target;
      user.following_target = true;
      pb::FollowRequest request;
      request.set_user_id(target);
      send(new TypedCall<pb::FollowResponse>,
           &pb::Miniter::Stub::PrepareAsyncFollow, request);
    } else {
      user.following_target = false;
      pb::UnfollowRequest request;
      request.set_user_id(user.follow_target);
      send(new TypedCall<pb::UnfollowResponse>,
           &pb::Miniter::Stub::PrepareAsyncUnfollow, request);
    }
  }

  template <typename C>
  void Launch(C* call) {
    call->reader->StartCall();
    call->reader->Finish(&call->response, &call->status, call);
    ++outstanding_;
    ++started_;
  }

  void Record(Call& call, Clock::time_point done) {
    if (call.due < measure_from_ || call.due >= end_) return;
    if (tracing_) {
      trace_.push_back(absl::StrFormat(
          "%.3f\t%.3f\t%s\t%s\n",
          std::chrono::duration<double, std::milli>(call.due - measure_from_)
              .count(),
          std::chrono::duration<double, std::milli>(done - call.due).count(),
          kKindNames[call.kind], StatusCodeName(call.status.error_code())));
    }
    KindStats& stats = by_kind_[call.kind];
    if (call.status.ok()) {
      call.Done();
      stats.latencies_ns.push_back(
          std::chrono::duration_cast<std::chrono::nanoseconds>(done - call.due)
              .count());
      if (call.page_len >= 0) {
        stats.page_tweets += call.page_len;
        ++stats.pages;
      }
    } else {
      ++stats.errors[StatusCodeName(call.status.error_code())];
      if (first_error_.empty()) {
        first_error_ = absl::StrCat(StatusCodeName(call.status.error_code()),
                                    ": ", call.status.error_message());
      }
    }
  }

  int WriteJson(int concurrency, double rate, absl::Duration duration) {
    const double seconds = absl::ToDoubleSeconds(duration);
    std::vector<std::int64_t> all;
    std::map<std::string, std::int64_t> all_errors;
    std::int64_t pages = 0, page_tweets = 0;
    std::vector<std::string> kinds;
    for (int k = 0; k < kKindCount; ++k) {
      KindStats& s = by_kind_[k];
      std::int64_t errors = 0;
      for (const auto& [code, n] : s.errors) {
        all_errors[code] += n;
        errors += n;
      }
      if (s.latencies_ns.empty() && errors == 0) continue;
      all.insert(all.end(), s.latencies_ns.begin(), s.latencies_ns.end());
      pages += s.pages;
      page_tweets += s.page_tweets;
      const std::int64_t ok = s.latencies_ns.size();
      kinds.push_back(
          absl::StrFormat("\"%s\": {\"ok\": %d, \"qps\": %.1f, \"errors\": %s, "
                          "\"latency_ms\": %s}",
                          kKindNames[k], ok, ok / seconds, ErrorsJson(s.errors),
                          LatencyJson(s.latencies_ns)));
    }
    std::int64_t error_count = 0;
    for (const auto& [code, n] : all_errors) error_count += n;
    const std::int64_t ok = all.size();
    std::string server_cpu = "null", server_cpu_per_call = "null";
    if (server_cpu_start_ && server_cpu_end_) {
      const double used = *server_cpu_end_ - *server_cpu_start_;
      server_cpu = absl::StrFormat("%.2f", used);
      if (ok + error_count > 0) {
        server_cpu_per_call =
            absl::StrFormat("%.1f", 1e6 * used / (ok + error_count));
      }
    }
    const std::string json = absl::StrFormat(
        "{\n  \"scenario\": \"%s\",\n  \"mode\": \"%s\",\n"
        "  \"concurrency\": %d,\n  \"offered_rate\": %.1f,\n"
        "  \"duration_s\": %.3f,\n  \"ok\": %d,\n  \"qps\": %.1f,\n"
        "  \"error_count\": %d,\n  \"errors\": %s,\n  \"dropped\": %d,\n"
        "  \"first_error\": \"%s\",\n"
        "  \"server_cpu_s\": %s,\n  \"server_cpu_us_per_call\": %s,\n"
        "  \"avg_tweets_per_page\": %.2f,\n"
        "  \"latency_ms\": %s,\n  \"by_kind\": {%s}\n}\n",
        scenario_, rate > 0 ? "open" : "closed", concurrency, rate, seconds, ok,
        ok / seconds, error_count, ErrorsJson(all_errors), dropped_,
        JsonEscape(first_error_), server_cpu, server_cpu_per_call,
        pages > 0 ? static_cast<double>(page_tweets) / pages : 0.0,
        LatencyJson(all), absl::StrJoin(kinds, ", "));
    if (tracing_) {
      const absl::Status written = WriteTextFile(absl::GetFlag(FLAGS_trace_out),
                                                 absl::StrJoin(trace_, ""));
      if (!written.ok()) return Fail(std::string(written.message()));
    }
    const std::string path = absl::GetFlag(FLAGS_out);
    if (path.empty()) {
      std::fputs(json.c_str(), stdout);
    } else {
      std::ofstream out(path, std::ios::trunc);
      out << json;
      out.close();
      if (!out) return Fail("cannot write --out");
    }
    std::fprintf(
        stderr, "miniter-load: %s %s: %.0f ok/s, p50 %s, errors %lld%s\n",
        scenario_.c_str(),
        rate > 0 ? absl::StrFormat("at %.0f/s", rate).c_str()
                 : absl::StrFormat("c=%d", concurrency).c_str(),
        ok / seconds,
        all.empty()
            ? "-"
            : absl::StrFormat("%.2f ms", all[all.size() / 2] / 1e6).c_str(),
        static_cast<long long>(error_count),
        first_error_.empty() ? "" : (" (first: " + first_error_ + ")").c_str());
    return 0;
  }

  std::vector<BenchUser> users_;
  std::vector<std::string> texts_;
  std::vector<std::string> queries_;  // SearchUsers queries
  Rng rng_;
  std::vector<std::unique_ptr<pb::Miniter::Stub>> stubs_;
  std::vector<std::unique_ptr<health::Health::Stub>> health_stubs_;
  std::size_t next_stub_ = 0;
  std::int64_t count_ = 0;
  grpc::CompletionQueue cq_;
  std::string scenario_;
  std::uint64_t min_id_ = 1, max_id_ = 0;
  Clock::time_point measure_from_, end_;
  std::optional<double> server_cpu_start_, server_cpu_end_;
  const bool tracing_ = !absl::GetFlag(FLAGS_trace_out).empty();
  const bool in_turn_ = absl::GetFlag(FLAGS_each_user_in_turn);
  std::vector<std::string> trace_;
  int outstanding_ = 0;
  std::int64_t started_ = 0, dropped_ = 0;
  KindStats by_kind_[kKindCount];
  std::string first_error_;
};

int RunLoad() {
  const std::string scenario = absl::GetFlag(FLAGS_scenario);
  if (scenario != "timeline" && scenario != "tweet" && scenario != "follow" &&
      scenario != "mix" && scenario != "health" && scenario != "search_users" &&
      scenario != "user_tweets") {
    return Fail(
        "--scenario must be timeline, tweet, follow, mix, health, "
        "search_users or user_tweets");
  }
  const int concurrency = absl::GetFlag(FLAGS_concurrency);
  const double rate = absl::GetFlag(FLAGS_rate);
  if ((concurrency > 0) == (rate > 0)) {
    return Fail("give exactly one of --concurrency (closed) or --rate (open)");
  }
  const std::int64_t count = absl::GetFlag(FLAGS_count);
  if (count > 0 && rate > 0) return Fail("--count is for the closed loop");
  std::ifstream in(absl::GetFlag(FLAGS_workload));
  if (!in) return Fail("cannot read --workload");
  std::vector<BenchUser> users;
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    std::vector<std::string> fields = absl::StrSplit(line, '\t');
    BenchUser user;
    if (fields.size() < 2 || !absl::SimpleAtoi(fields[0], &user.id)) {
      return Fail(absl::StrCat("bad workload line: ", line.substr(0, 40)));
    }
    user.authorization = absl::StrCat("Bearer ", fields[1]);
    if (fields.size() > 2) {
      for (absl::string_view f :
           absl::StrSplit(fields[2], ',', absl::SkipEmpty())) {
        std::uint64_t id;
        if (absl::SimpleAtoi(f, &id)) {
          user.followees.push_back(id);
          user.followee_set.insert(id);
        }
      }
    }
    users.push_back(std::move(user));
  }
  if (users.empty()) return Fail("the workload has no users");
  std::vector<std::string> queries;
  if (scenario == "search_users") {
    std::ifstream queries_in(absl::GetFlag(FLAGS_queries_file));
    if (!queries_in) return Fail("cannot read --queries_file");
    for (std::string line; std::getline(queries_in, line);) {
      if (!line.empty()) queries.push_back(line);
    }
    if (queries.empty()) return Fail("--queries_file has no queries");
  }
  // A fixed pool of realistic texts, generated before the clock starts.
  Rng text_rng(absl::GetFlag(FLAGS_seed) + 7);
  std::vector<std::string> texts;
  texts.reserve(1000);
  for (int i = 0; i < 1000; ++i) texts.push_back(MakeTweetText(text_rng));
  Driver driver(std::move(users), std::move(texts), std::move(queries));
  return driver.Run(scenario, concurrency, rate, count);
}

// ---- health -----------------------------------------------------------------

// Whether `pid` still runs (a zombie, a child that exited but was not yet
// reaped by its parent, counts as gone).
bool ProcessAlive(int pid) {
  if (::kill(pid, 0) != 0) return false;
  std::ifstream stat(absl::StrCat("/proc/", pid, "/stat"));
  std::string line;
  if (!std::getline(stat, line)) return false;
  const std::size_t paren = line.rfind(')');
  return paren == std::string::npos || paren + 2 >= line.size() ||
         line[paren + 2] != 'Z';
}

int Health() {
  const std::string server = absl::GetFlag(FLAGS_server);
  const std::string service = absl::GetFlag(FLAGS_service);
  const int pid = absl::GetFlag(FLAGS_watch_pid);
  const absl::Duration wait = absl::GetFlag(FLAGS_wait);
  std::fprintf(
      stderr,
      "miniter-load health: waiting up to %s for %s to answer "
      "grpc.health.v1.Health/Check of \"%s\" with SERVING%s\n",
      absl::FormatDuration(wait).c_str(), server.c_str(), service.c_str(),
      pid > 0 ? absl::StrCat(" (while process ", pid, " runs)").c_str() : "");
  const absl::Time start = absl::Now();
  absl::Time last_report = start;
  std::string last = "no answer yet";
  for (;;) {
    if (pid > 0 && !ProcessAlive(pid)) {
      std::fprintf(stderr,
                   "miniter-load health: process %d exited (last: %s)\n", pid,
                   last.c_str());
      return 3;
    }
    // A new channel (and connection) for every attempt: a channel whose
    // connection was refused retries only after gRPC's reconnect backoff,
    // which added ~5 s between the server listening and this noticing it.
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    auto stub = health::Health::NewStub(grpc::CreateCustomChannel(
        server, grpc::InsecureChannelCredentials(), args));
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(2));
    health::HealthCheckRequest request;
    request.set_service(service);
    health::HealthCheckResponse response;
    const grpc::Status status = stub->Check(&context, request, &response);
    if (status.ok() &&
        response.status() == health::HealthCheckResponse::SERVING) {
      std::fprintf(stderr, "miniter-load health: %s is SERVING after %s\n",
                   server.c_str(),
                   absl::FormatDuration(
                       absl::Trunc(absl::Now() - start, absl::Milliseconds(1)))
                       .c_str());
      return 0;
    }
    last = status.ok()
               ? absl::StrCat("status ",
                              health::HealthCheckResponse::ServingStatus_Name(
                                  response.status()))
               : absl::StrCat(StatusCodeName(status.error_code()), ": ",
                              status.error_message());
    const absl::Time now = absl::Now();
    if (now - start >= wait) {
      std::fprintf(
          stderr, "miniter-load health: %s not SERVING after %s (last: %s)\n",
          server.c_str(), absl::FormatDuration(wait).c_str(), last.c_str());
      return 1;
    }
    if (now - last_report >= absl::Seconds(10)) {
      last_report = now;
      std::fprintf(
          stderr, "miniter-load health: still waiting after %s (last: %s)\n",
          absl::FormatDuration(absl::Trunc(now - start, absl::Seconds(1)))
              .c_str(),
          last.c_str());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

// ---- mint -------------------------------------------------------------------

int Mint() {
  std::ifstream secret_in(absl::GetFlag(FLAGS_secret_file));
  if (!secret_in) return Fail("cannot read --secret_file");
  const std::string secrets((std::istreambuf_iterator<char>(secret_in)),
                            std::istreambuf_iterator<char>());
  // As the server reads its --token_secret_file: the newest secret signs.
  absl::StatusOr<std::unique_ptr<rules::TokenService>> tokens =
      rules::TokenService::Create(rules::KeyRing::SplitList(secrets),
                                  absl::GetFlag(FLAGS_token_lifetime));
  if (!tokens.ok()) return Fail(tokens.status().ToString());
  absl::StatusOr<std::vector<std::uint64_t>> ids =
      ReadIdColumn(absl::GetFlag(FLAGS_user_ids_file));
  if (!ids.ok()) return Fail(ids.status().ToString());
  const absl::Time now = absl::Now();
  std::string text;
  for (std::uint64_t id : *ids) {
    absl::StatusOr<rules::IssuedToken> token = (*tokens)->Issue(id, now);
    if (!token.ok()) return Fail(token.status().ToString());
    absl::StrAppend(&text, id, "\t", token->token, "\n");
  }
  if (absl::Status written = WriteTextFile(absl::GetFlag(FLAGS_out), text);
      !written.ok()) {
    return Fail(written.ToString());
  }
  return 0;
}

// ---- anchors and staleness -----------------------------------------------------

absl::StatusOr<SqlAnchorOptions> AnchorOptions() {
  SqlAnchorOptions options;
  options.database_url = absl::GetFlag(FLAGS_database_url);
  if (options.database_url.empty()) {
    if (const char* env = std::getenv("MINITER_DATABASE_URL"))
      options.database_url = env;
  }
  if (options.database_url.empty()) {
    return absl::InvalidArgumentError(
        "--database_url (or MINITER_DATABASE_URL) is required");
  }
  options.threads = absl::GetFlag(FLAGS_threads);
  options.warmup = absl::GetFlag(FLAGS_warmup);
  options.duration = absl::GetFlag(FLAGS_duration);
  options.seed = absl::GetFlag(FLAGS_seed);
  options.out = absl::GetFlag(FLAGS_out);
  options.query = absl::GetFlag(FLAGS_query);
  return options;
}

int AnchorRead() {
  absl::StatusOr<SqlAnchorOptions> options = AnchorOptions();
  if (!options.ok()) return Fail(options.status().ToString());
  absl::StatusOr<std::vector<std::uint64_t>> readers =
      ReadIdColumn(absl::GetFlag(FLAGS_workload));
  if (!readers.ok()) return Fail(readers.status().ToString());
  options->readers = *std::move(readers);
  return RunAnchorRead(*options);
}

int AnchorInsert() {
  absl::StatusOr<SqlAnchorOptions> options = AnchorOptions();
  if (!options.ok()) return Fail(options.status().ToString());
  absl::StatusOr<std::vector<std::uint64_t>> authors =
      ReadIdColumn(absl::GetFlag(FLAGS_user_ids_file));
  if (!authors.ok()) return Fail(authors.status().ToString());
  options->authors = *std::move(authors);
  return RunAnchorInsert(*options);
}

int Staleness() {
  StalenessOptions options;
  options.server = absl::GetFlag(FLAGS_server);
  options.pairs_file = absl::GetFlag(FLAGS_pairs);
  options.rate = absl::GetFlag(FLAGS_rate);
  options.warmup = absl::GetFlag(FLAGS_warmup);
  options.duration = absl::GetFlag(FLAGS_duration);
  options.sample_every = absl::GetFlag(FLAGS_sample_every);
  options.max_wait = absl::GetFlag(FLAGS_max_wait);
  options.poll_gap = absl::GetFlag(FLAGS_poll_gap);
  options.call_timeout = absl::GetFlag(FLAGS_call_timeout);
  options.page_size = absl::GetFlag(FLAGS_page_size);
  options.channels = absl::GetFlag(FLAGS_channels);
  options.seed = absl::GetFlag(FLAGS_seed);
  options.out = absl::GetFlag(FLAGS_out);
  return RunStaleness(options);
}

int WatchFanout() {
  WatchFanoutOptions options;
  options.server = absl::GetFlag(FLAGS_server);
  options.watchers_file = absl::GetFlag(FLAGS_watchers);
  options.authors_file = absl::GetFlag(FLAGS_authors);
  options.rate = absl::GetFlag(FLAGS_rate);
  options.settle = absl::GetFlag(FLAGS_settle);
  options.warmup = absl::GetFlag(FLAGS_warmup);
  options.duration = absl::GetFlag(FLAGS_duration);
  options.max_wait = absl::GetFlag(FLAGS_max_wait);
  options.call_timeout = absl::GetFlag(FLAGS_call_timeout);
  options.channels = absl::GetFlag(FLAGS_channels);
  options.seed = absl::GetFlag(FLAGS_seed);
  options.out = absl::GetFlag(FLAGS_out);
  return RunWatchFanout(options);
}

}  // namespace
}  // namespace miniter::tools

int main(int argc, char** argv) {
  std::vector<char*> args = miniter::tools::ParseToolCommandLine(
      argc, argv, "miniter-load", "tools/miniter_load_main.cc",
      "the benchmark's load generator; see bench/README.md.\n"
      "Usage: miniter-load login|mint|health|run|anchor-read|anchor-insert|"
      "staleness|watch [flags]");
  const std::string command = args.size() > 1 ? args[1] : "";
  if (command == "login") return miniter::tools::Login();
  if (command == "run") return miniter::tools::RunLoad();
  if (command == "mint") return miniter::tools::Mint();
  if (command == "health") return miniter::tools::Health();
  if (command == "anchor-read") return miniter::tools::AnchorRead();
  if (command == "anchor-insert") return miniter::tools::AnchorInsert();
  if (command == "staleness") return miniter::tools::Staleness();
  if (command == "watch") return miniter::tools::WatchFanout();
  std::fprintf(stderr,
               "usage: miniter-load login|mint|health|run|anchor-read|"
               "anchor-insert|staleness|watch [flags] (--help)\n");
  return 2;
}
