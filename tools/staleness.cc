// staleness.cc: miniter-load staleness (staleness.h). One completion-queue
// thread starts Tweets at a fixed rate; for one OK Tweet in
// --sample_every it polls the first Timeline page of one follower of the
// author, back to back with a small gap, until the tweet's id is on it.
#include "tools/staleness.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "grpcpp/grpcpp.h"
#include "miniter/v1/miniter.grpc.pb.h"
#include "tools/bench_data.h"
#include "tools/completion_queue_wait.h"
#include "tools/load_stats.h"

namespace miniter::tools {
namespace {

namespace pb = ::miniter::v1;
using Clock = std::chrono::steady_clock;

struct Author {
  std::uint64_t id = 0;
  std::string authorization;
  std::vector<std::string> follower_authorizations;
};

// One sampled tweet being looked for on a follower's timeline.
struct Probe {
  std::uint64_t tweet_id = 0;
  const std::string* follower_authorization = nullptr;
  Clock::time_point ok_at;
  int polls = 0;
};

struct Call {
  virtual ~Call() = default;
  grpc::ClientContext context;
  grpc::Status status;
  Clock::time_point due, sent;
  const Author* author = nullptr;
  std::shared_ptr<Probe> probe;  // set for Timeline polls
};
template <typename Response>
struct TypedCall : Call {
  Response response;
  std::unique_ptr<grpc::ClientAsyncResponseReader<Response>> reader;
};
using TweetCall = TypedCall<pb::TweetResponse>;
using PollCall = TypedCall<pb::TimelineResponse>;

class Staleness {
 public:
  Staleness(const StalenessOptions& options, std::vector<Author> authors)
      : options_(options), authors_(std::move(authors)), rng_(options.seed) {
    for (int i = 0; i < std::max(1, options.channels); ++i) {
      grpc::ChannelArguments args;
      args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
      args.SetInt("miniter.load.channel", i);
      stubs_.push_back(pb::Miniter::NewStub(grpc::CreateCustomChannel(
          options.server, grpc::InsecureChannelCredentials(), args)));
    }
    Rng text_rng(options.seed + 7);
    for (int i = 0; i < 1000; ++i) texts_.push_back(MakeTweetText(text_rng));
  }

  int Run() {
    const Clock::time_point start = Clock::now();
    measure_from_ = start + absl::ToChronoNanoseconds(options_.warmup);
    end_ = measure_from_ + absl::ToChronoNanoseconds(options_.duration);
    const auto interval = std::chrono::nanoseconds(
        static_cast<std::int64_t>(1e9 / options_.rate));
    const auto gap = absl::ToChronoNanoseconds(options_.poll_gap);
    Clock::time_point next_due = start;
    for (;;) {
      const Clock::time_point now = Clock::now();
      while (next_due <= now && next_due < end_) {
        StartTweet(next_due);
        next_due += interval;
      }
      // Polls whose gap is over.
      for (std::size_t i = 0; i < waiting_.size();) {
        if (waiting_[i].first <= now) {
          StartPoll(waiting_[i].second);
          waiting_[i] = waiting_.back();
          waiting_.pop_back();
        } else {
          ++i;
        }
      }
      if (now >= end_ && outstanding_ == 0 && waiting_.empty()) break;
      Clock::time_point wake = now + std::chrono::milliseconds(50);
      if (next_due < end_) wake = std::min(wake, next_due);
      for (const auto& [at, probe] : waiting_) wake = std::min(wake, at);
      void* tag = nullptr;
      bool ok = false;
      const auto result = NextUntil(cq_, wake, &tag, &ok);
      if (result == grpc::CompletionQueue::SHUTDOWN) break;
      if (result != grpc::CompletionQueue::GOT_EVENT) continue;
      std::unique_ptr<Call> call(static_cast<Call*>(tag));
      --outstanding_;
      const Clock::time_point done = Clock::now();
      if (call->probe == nullptr) {
        TweetDone(static_cast<TweetCall&>(*call), done);
      } else {
        PollDone(static_cast<PollCall&>(*call), done, gap);
      }
    }
    cq_.Shutdown();
    void* tag;
    bool ok;
    while (cq_.Next(&tag, &ok)) delete static_cast<Call*>(tag);
    return WriteJson();
  }

 private:
  pb::Miniter::Stub& NextStub() {
    return *stubs_[next_stub_++ % stubs_.size()];
  }

  std::chrono::system_clock::time_point Deadline() const {
    return std::chrono::system_clock::now() +
           absl::ToChronoNanoseconds(options_.call_timeout);
  }

  void StartTweet(Clock::time_point due) {
    const Author& author = authors_[rng_.Below(authors_.size())];
    auto* call = new TweetCall;
    call->due = due;
    call->sent = Clock::now();
    call->author = &author;
    call->context.set_deadline(Deadline());
    call->context.AddMetadata("authorization", author.authorization);
    pb::TweetRequest request;
    request.set_text(texts_[rng_.Below(texts_.size())]);
    call->reader = NextStub().PrepareAsyncTweet(&call->context, request, &cq_);
    call->reader->StartCall();
    call->reader->Finish(&call->response, &call->status, call);
    ++outstanding_;
  }

  void StartPoll(const std::shared_ptr<Probe>& probe) {
    auto* call = new PollCall;
    call->probe = probe;
    call->sent = Clock::now();
    call->context.set_deadline(Deadline());
    call->context.AddMetadata("authorization", *probe->follower_authorization);
    pb::TimelineRequest request;
    request.set_page_size(options_.page_size);
    call->reader =
        NextStub().PrepareAsyncTimeline(&call->context, request, &cq_);
    call->reader->StartCall();
    call->reader->Finish(&call->response, &call->status, call);
    ++outstanding_;
    ++probe->polls;
    ++polls_;
  }

  void TweetDone(TweetCall& call, Clock::time_point done) {
    const bool measured = call.due >= measure_from_ && call.due < end_;
    if (!call.status.ok()) {
      if (measured) ++tweet_errors_[StatusCodeName(call.status.error_code())];
      if (first_error_.empty()) {
        first_error_ =
            absl::StrCat("Tweet: ", StatusCodeName(call.status.error_code()),
                         ": ", call.status.error_message());
      }
      return;
    }
    if (!measured) return;
    tweet_latencies_ns_.push_back(
        std::chrono::duration_cast<std::chrono::nanoseconds>(done - call.due)
            .count());
    if (++tweets_ok_ % options_.sample_every != 0) return;
    const Author& author = *call.author;
    auto probe = std::make_shared<Probe>();
    probe->tweet_id = call.response.tweet().id();
    probe->follower_authorization = &author.follower_authorizations[rng_.Below(
        author.follower_authorizations.size())];
    probe->ok_at = done;
    ++samples_;
    StartPoll(probe);
  }

  void PollDone(PollCall& call, Clock::time_point done,
                std::chrono::nanoseconds gap) {
    const std::shared_ptr<Probe>& probe = call.probe;
    if (call.status.ok()) {
      for (const pb::Tweet& tweet : call.response.tweets()) {
        if (tweet.id() == probe->tweet_id) {
          delays_ns_.push_back(
              probe->polls == 1
                  ? 0
                  : std::chrono::duration_cast<std::chrono::nanoseconds>(
                        call.sent - probe->ok_at)
                        .count());
          if (probe->polls == 1) ++first_read_;
          return;
        }
      }
    } else {
      ++poll_errors_[StatusCodeName(call.status.error_code())];
      if (first_error_.empty()) {
        first_error_ =
            absl::StrCat("Timeline: ", StatusCodeName(call.status.error_code()),
                         ": ", call.status.error_message());
      }
    }
    if (done - probe->ok_at >= absl::ToChronoNanoseconds(options_.max_wait)) {
      ++never_seen_;
      return;
    }
    waiting_.emplace_back(done + gap, probe);
  }

  int WriteJson() {
    const double seconds = absl::ToDoubleSeconds(options_.duration);
    std::int64_t tweet_error_count = 0, poll_error_count = 0;
    for (const auto& [code, n] : tweet_errors_) tweet_error_count += n;
    for (const auto& [code, n] : poll_errors_) poll_error_count += n;
    std::vector<std::int64_t> delays = delays_ns_;
    const std::string delay_json = LatencyJson(delays);
    const std::string json = absl::StrFormat(
        "{\n  \"tool\": \"miniter-load staleness\",\n  \"offered_rate\": "
        "%.1f,\n"
        "  \"duration_s\": %.3f,\n  \"authors\": %d,\n  \"sample_every\": %d,\n"
        "  \"max_wait_s\": %.1f,\n  \"tweets_ok\": %d,\n  \"tweet_qps\": "
        "%.1f,\n"
        "  \"tweet_error_count\": %d,\n  \"tweet_errors\": %s,\n"
        "  \"tweet_latency_ms\": %s,\n  \"samples\": %d,\n  \"seen\": %d,\n"
        "  \"seen_on_first_read\": %d,\n  \"never_seen\": %d,\n"
        "  \"polls\": %d,\n  \"poll_error_count\": %d,\n  \"poll_errors\": "
        "%s,\n"
        "  \"first_error\": \"%s\",\n  \"delay_ms\": %s\n}\n",
        options_.rate, seconds, authors_.size(), options_.sample_every,
        absl::ToDoubleSeconds(options_.max_wait), tweets_ok_,
        tweets_ok_ / seconds, tweet_error_count, ErrorsJson(tweet_errors_),
        LatencyJson(tweet_latencies_ns_), samples_, delays_ns_.size(),
        first_read_, never_seen_, polls_, poll_error_count,
        ErrorsJson(poll_errors_), JsonEscape(first_error_), delay_json);
    if (absl::Status written = WriteTextFile(options_.out, json);
        !written.ok()) {
      std::fprintf(stderr, "miniter-load staleness: %s\n",
                   written.ToString().c_str());
      return 1;
    }
    std::fprintf(stderr,
                 "miniter-load staleness: %.0f tweets/s offered, %lld ok; %lld "
                 "sampled, %zu seen (%lld on the first read), %lld never; "
                 "delay p50 %.1f ms, p99 %.1f ms%s\n",
                 options_.rate, static_cast<long long>(tweets_ok_),
                 static_cast<long long>(samples_), delays_ns_.size(),
                 static_cast<long long>(first_read_),
                 static_cast<long long>(never_seen_), QuantileMs(delays, 0.5),
                 QuantileMs(delays, 0.99),
                 first_error_.empty()
                     ? ""
                     : (" (first error: " + first_error_ + ")").c_str());
    return 0;
  }

  const StalenessOptions& options_;
  std::vector<Author> authors_;
  std::vector<std::string> texts_;
  Rng rng_;
  std::vector<std::unique_ptr<pb::Miniter::Stub>> stubs_;
  std::size_t next_stub_ = 0;
  grpc::CompletionQueue cq_;
  Clock::time_point measure_from_, end_;
  std::vector<std::pair<Clock::time_point, std::shared_ptr<Probe>>> waiting_;
  int outstanding_ = 0;
  std::int64_t tweets_ok_ = 0, samples_ = 0, first_read_ = 0, never_seen_ = 0,
               polls_ = 0;
  std::vector<std::int64_t> tweet_latencies_ns_, delays_ns_;
  std::map<std::string, std::int64_t> tweet_errors_, poll_errors_;
  std::string first_error_;
};

}  // namespace

int RunStaleness(const StalenessOptions& options) {
  if (options.rate <= 0 || options.sample_every < 1) {
    std::fprintf(stderr,
                 "miniter-load staleness: --rate must be > 0, "
                 "--sample_every >= 1\n");
    return 1;
  }
  std::ifstream in(options.pairs_file);
  if (!in) {
    std::fprintf(stderr, "miniter-load staleness: cannot read --pairs\n");
    return 1;
  }
  std::map<std::uint64_t, Author> by_id;
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    std::vector<std::string> f = absl::StrSplit(line, '\t');
    std::uint64_t id;
    if (f.size() != 4 || !absl::SimpleAtoi(f[0], &id)) {
      std::fprintf(stderr, "miniter-load staleness: bad pairs line: %s\n",
                   line.substr(0, 40).c_str());
      return 1;
    }
    Author& author = by_id[id];
    author.id = id;
    author.authorization = absl::StrCat("Bearer ", f[1]);
    author.follower_authorizations.push_back(absl::StrCat("Bearer ", f[3]));
  }
  std::vector<Author> authors;
  authors.reserve(by_id.size());
  for (auto& [id, author] : by_id) authors.push_back(std::move(author));
  if (authors.empty()) {
    std::fprintf(stderr, "miniter-load staleness: no authors\n");
    return 1;
  }
  Staleness run(options, std::move(authors));
  return run.Run();
}

}  // namespace miniter::tools
