// watch_fanout.cc: miniter-load watch (watch_fanout.h). Every watcher's
// WatchTimeline stream is a callback-API reactor (no thread per stream);
// one completion-queue thread starts Tweets at a fixed rate. Each tweet's
// text starts with "[w<seq>]", so a stream that receives it finds when it
// was sent even before the Tweet's answer has come back.
#include "tools/watch_fanout.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "grpcpp/grpcpp.h"
#include "miniter/v1/miniter.grpc.pb.h"
#include "tools/bench_data.h"
#include "tools/completion_queue_wait.h"
#include "tools/load_stats.h"

namespace miniter::tools {
namespace {

namespace pb = ::miniter::v1;
using Clock = std::chrono::steady_clock;

// Streams per channel: below the server's default of 100 calls per
// connection, with room for the reconnects of streams that ended.
constexpr std::size_t kStreamsPerChannel = 80;

struct Watcher {
  std::uint64_t id = 0;
  std::string authorization;
  std::unordered_set<std::uint64_t> followees;
};

struct Author {
  std::uint64_t id = 0;
  std::string authorization;
  int watchers = 0;  // streams that should receive this author's tweets
};

// One Tweet started, by its sequence number (its index in Fanout::posted_).
struct Posted {
  Clock::time_point sent;
  bool measured = false;  // due inside the measured window
  bool ok = false;        // the Tweet call succeeded
  int expected = 0;       // streams that should receive it
  int received = 0;       // streams that did, each counted once
};

// The sequence number in a text "[w<seq>] ...", or -1.
std::int64_t SequenceOf(absl::string_view text) {
  if (!absl::ConsumePrefix(&text, "[w")) return -1;
  const std::size_t end = text.find(']');
  std::int64_t seq;
  if (end == absl::string_view::npos ||
      !absl::SimpleAtoi(text.substr(0, end), &seq)) {
    return -1;
  }
  return seq;
}

class Fanout;

// One watcher's stream. gRPC runs OnReadDone of one reactor one at a time,
// so seen_ needs no lock.
class WatchStream final
    : public grpc::ClientReadReactor<pb::WatchTimelineResponse> {
 public:
  WatchStream(Fanout* fanout, const Watcher& watcher) : fanout_(fanout) {
    context_.AddMetadata("authorization", watcher.authorization);
  }

  void Start(pb::Miniter::Stub& stub) {
    stub.async()->WatchTimeline(&context_, &request_, this);
    StartRead(&response_);
    StartCall();
  }

  void Stop() { context_.TryCancel(); }

  void OnReadDone(bool ok) override;
  void OnDone(const grpc::Status& status) override;

 private:
  Fanout* const fanout_;
  grpc::ClientContext context_;
  pb::WatchTimelineRequest request_;
  pb::WatchTimelineResponse response_;
  std::unordered_set<std::int64_t> seen_;
};

struct TweetCall {
  grpc::ClientContext context;
  grpc::Status status;
  pb::TweetResponse response;
  std::unique_ptr<grpc::ClientAsyncResponseReader<pb::TweetResponse>> reader;
  std::int64_t seq = 0;
  Clock::time_point due;
};

class Fanout {
 public:
  Fanout(const WatchFanoutOptions& options, std::vector<Watcher> watchers,
         std::vector<Author> authors)
      : options_(options),
        watchers_(std::move(watchers)),
        authors_(std::move(authors)),
        rng_(options.seed) {
    // The server takes at most --max_concurrent_streams (default 100) calls
    // per connection; more wait in the client. So the streams are spread
    // kStreamsPerChannel to a channel, and the Tweets have one of their own.
    const std::size_t stream_channels = std::max<std::size_t>(
        std::max(1, options.channels),
        (watchers_.size() + kStreamsPerChannel - 1) / kStreamsPerChannel);
    for (std::size_t i = 0; i <= stream_channels; ++i) {
      grpc::ChannelArguments args;
      args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
      args.SetInt("miniter.load.channel", static_cast<int>(i));
      auto stub = pb::Miniter::NewStub(grpc::CreateCustomChannel(
          options.server, grpc::InsecureChannelCredentials(), args));
      if (i < stream_channels) {
        stubs_.push_back(std::move(stub));
      } else {
        tweet_stub_ = std::move(stub);
      }
    }
    // Texts short enough for the "[w<seq>] " prefix within 300 characters
    // (bytes are at least as many as characters).
    Rng text_rng(options.seed + 7);
    while (texts_.size() < 1000) {
      std::string text = MakeTweetText(text_rng);
      if (text.size() <= 270) texts_.push_back(std::move(text));
    }
  }

  int Run() {
    for (std::size_t i = 0; i < watchers_.size(); ++i) {
      streams_.push_back(std::make_unique<WatchStream>(this, watchers_[i]));
      streams_.back()->Start(*stubs_[i % stubs_.size()]);
    }
    std::this_thread::sleep_for(absl::ToChronoNanoseconds(options_.settle));

    const Clock::time_point start = Clock::now();
    measure_from_ = start + absl::ToChronoNanoseconds(options_.warmup);
    end_ = measure_from_ + absl::ToChronoNanoseconds(options_.duration);
    const auto interval = std::chrono::nanoseconds(
        static_cast<std::int64_t>(1e9 / options_.rate));
    Clock::time_point next_due = start;
    int outstanding = 0;
    for (;;) {
      const Clock::time_point now = Clock::now();
      while (next_due <= now && next_due < end_) {
        StartTweet(next_due);
        ++outstanding;
        next_due += interval;
      }
      if (now >= end_ && outstanding == 0) break;
      Clock::time_point wake = now + std::chrono::milliseconds(50);
      if (next_due < end_) wake = std::min(wake, next_due);
      void* tag = nullptr;
      bool ok = false;
      if (NextUntil(cq_, wake, &tag, &ok) != grpc::CompletionQueue::GOT_EVENT) {
        continue;
      }
      std::unique_ptr<TweetCall> call(static_cast<TweetCall*>(tag));
      --outstanding;
      TweetDone(*call, Clock::now());
    }
    cq_.Shutdown();
    void* tag;
    bool ok;
    while (cq_.Next(&tag, &ok)) delete static_cast<TweetCall*>(tag);

    // Late deliveries, until all have come or --max_wait is over.
    {
      absl::MutexLock lock(&mu_);
      mu_.AwaitWithDeadline(absl::Condition(&Fanout::NothingPending, this),
                            absl::Now() + options_.max_wait);
      stopping_ = true;
    }
    for (auto& stream : streams_) stream->Stop();
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(&Fanout::AllStreamsDone, this));
    }
    return WriteJson();
  }

  // From the streams (gRPC's threads).
  void Received(const pb::WatchTimelineResponse& event,
                std::unordered_set<std::int64_t>& seen) {
    const Clock::time_point now = Clock::now();
    absl::MutexLock lock(&mu_);
    if (event.has_heartbeat()) {
      ++heartbeats_;
      return;
    }
    if (!event.has_tweet()) return;  // a gap: nothing here is that old
    const std::int64_t seq = SequenceOf(event.tweet().text());
    if (seq < 0 || seq >= static_cast<std::int64_t>(posted_.size())) return;
    if (!seen.insert(seq).second) {
      ++duplicates_;
      return;
    }
    Posted& posted = posted_[seq];
    ++posted.received;
    ++deliveries_;
    if (posted.ok && posted.received <= posted.expected) --pending_;
    if (posted.measured) {
      delays_ns_.push_back(std::chrono::duration_cast<std::chrono::nanoseconds>(
                               now - posted.sent)
                               .count());
    }
  }

  void StreamDone(const grpc::Status& status) {
    absl::MutexLock lock(&mu_);
    ++streams_done_;
    // CANCELLED is how this tool ends every stream after the run.
    if (status.ok() ||
        (stopping_ && status.error_code() == grpc::StatusCode::CANCELLED)) {
      return;
    }
    ++stream_errors_[StatusCodeName(status.error_code())];
    if (first_error_.empty()) {
      first_error_ =
          absl::StrCat("WatchTimeline: ", StatusCodeName(status.error_code()),
                       ": ", status.error_message());
    }
  }

 private:
  static bool NothingPending(Fanout* self)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(self->mu_) {
    return self->pending_ == 0;
  }

  static bool AllStreamsDone(Fanout* self)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(self->mu_) {
    return self->streams_done_ ==
           static_cast<std::int64_t>(self->streams_.size());
  }

  void StartTweet(Clock::time_point due) {
    const Author& author = authors_[rng_.Below(authors_.size())];
    auto* call = new TweetCall;
    call->due = due;
    call->context.set_deadline(
        std::chrono::system_clock::now() +
        absl::ToChronoNanoseconds(options_.call_timeout));
    call->context.AddMetadata("authorization", author.authorization);
    pb::TweetRequest request;
    {
      absl::MutexLock lock(&mu_);
      call->seq = static_cast<std::int64_t>(posted_.size());
      Posted& posted = posted_.emplace_back();
      posted.sent = Clock::now();
      posted.measured = due >= measure_from_ && due < end_;
      posted.expected = author.watchers;
    }
    request.set_text(
        absl::StrCat("[w", call->seq, "] ", texts_[rng_.Below(texts_.size())]));
    call->reader =
        tweet_stub_->PrepareAsyncTweet(&call->context, request, &cq_);
    call->reader->StartCall();
    call->reader->Finish(&call->response, &call->status, call);
  }

  void TweetDone(const TweetCall& call, Clock::time_point done) {
    absl::MutexLock lock(&mu_);
    Posted& posted = posted_[call.seq];
    if (!call.status.ok()) {
      if (posted.measured) {
        ++tweet_errors_[StatusCodeName(call.status.error_code())];
      }
      if (first_error_.empty()) {
        first_error_ =
            absl::StrCat("Tweet: ", StatusCodeName(call.status.error_code()),
                         ": ", call.status.error_message());
      }
      return;
    }
    posted.ok = true;
    pending_ += std::max(0, posted.expected - posted.received);
    if (posted.measured) {
      tweet_latencies_ns_.push_back(
          std::chrono::duration_cast<std::chrono::nanoseconds>(done - call.due)
              .count());
    }
  }

  int WriteJson() {
    absl::MutexLock lock(&mu_);
    const double seconds = absl::ToDoubleSeconds(options_.duration);
    std::int64_t tweets_ok = 0, expected = 0, received = 0, missing = 0;
    for (const Posted& p : posted_) {
      if (!p.measured || !p.ok) continue;
      ++tweets_ok;
      expected += p.expected;
      received += std::min(p.received, p.expected);
      missing += std::max(0, p.expected - p.received);
    }
    std::int64_t tweet_error_count = 0, stream_error_count = 0;
    for (const auto& [code, n] : tweet_errors_) tweet_error_count += n;
    for (const auto& [code, n] : stream_errors_) stream_error_count += n;
    std::vector<std::int64_t> delays = delays_ns_;
    const std::string delay_json = LatencyJson(delays);
    const std::string json = absl::StrFormat(
        "{\n  \"tool\": \"miniter-load watch\",\n  \"streams\": %d,\n"
        "  \"authors\": %d,\n  \"offered_rate\": %.1f,\n"
        "  \"duration_s\": %.3f,\n  \"max_wait_s\": %.1f,\n"
        "  \"tweets_ok\": %d,\n  \"tweet_qps\": %.1f,\n"
        "  \"tweet_error_count\": %d,\n  \"tweet_errors\": %s,\n"
        "  \"tweet_latency_ms\": %s,\n  \"fanout_mean\": %.1f,\n"
        "  \"expected_deliveries\": %d,\n  \"deliveries\": %d,\n"
        "  \"deliveries_per_s\": %.1f,\n  \"missing\": %d,\n"
        "  \"duplicates\": %d,\n  \"heartbeats\": %d,\n"
        "  \"stream_error_count\": %d,\n  \"stream_errors\": %s,\n"
        "  \"first_error\": \"%s\",\n  \"delay_ms\": %s\n}\n",
        streams_.size(), authors_.size(), options_.rate, seconds,
        absl::ToDoubleSeconds(options_.max_wait), tweets_ok,
        tweets_ok / seconds, tweet_error_count, ErrorsJson(tweet_errors_),
        LatencyJson(tweet_latencies_ns_),
        tweets_ok > 0 ? static_cast<double>(expected) / tweets_ok : 0.0,
        expected, received, received / seconds, missing, duplicates_,
        heartbeats_, stream_error_count, ErrorsJson(stream_errors_),
        JsonEscape(first_error_), delay_json);
    if (absl::Status written = WriteTextFile(options_.out, json);
        !written.ok()) {
      std::fprintf(stderr, "miniter-load watch: %s\n",
                   written.ToString().c_str());
      return 1;
    }
    std::fprintf(
        stderr,
        "miniter-load watch: %zu streams, %.0f tweets/s offered, %lld ok, "
        "fan-out %.1f; %lld of %lld deliveries, %lld missing, %lld repeated; "
        "delay p50 %.1f ms, p99 %.1f ms%s\n",
        streams_.size(), options_.rate, static_cast<long long>(tweets_ok),
        tweets_ok > 0 ? static_cast<double>(expected) / tweets_ok : 0.0,
        static_cast<long long>(received), static_cast<long long>(expected),
        static_cast<long long>(missing), static_cast<long long>(duplicates_),
        QuantileMs(delays, 0.5), QuantileMs(delays, 0.99),
        first_error_.empty()
            ? ""
            : (" (first error: " + first_error_ + ")").c_str());
    return 0;
  }

  const WatchFanoutOptions& options_;
  const std::vector<Watcher> watchers_;
  const std::vector<Author> authors_;
  std::vector<std::string> texts_;
  Rng rng_;  // the Tweet thread's only
  std::vector<std::unique_ptr<pb::Miniter::Stub>> stubs_;  // the streams'
  std::unique_ptr<pb::Miniter::Stub> tweet_stub_;
  grpc::CompletionQueue cq_;
  std::vector<std::unique_ptr<WatchStream>> streams_;
  Clock::time_point measure_from_, end_;

  absl::Mutex mu_;
  std::vector<Posted> posted_ ABSL_GUARDED_BY(mu_);
  std::vector<std::int64_t> delays_ns_ ABSL_GUARDED_BY(mu_);
  std::vector<std::int64_t> tweet_latencies_ns_ ABSL_GUARDED_BY(mu_);
  std::int64_t deliveries_ ABSL_GUARDED_BY(mu_) = 0;
  std::int64_t duplicates_ ABSL_GUARDED_BY(mu_) = 0;
  std::int64_t heartbeats_ ABSL_GUARDED_BY(mu_) = 0;
  std::int64_t streams_done_ ABSL_GUARDED_BY(mu_) = 0;
  // Deliveries of OK tweets that have not come yet.
  std::int64_t pending_ ABSL_GUARDED_BY(mu_) = 0;
  // Set once every delivery came or the wait is over: from then on the
  // streams' CANCELLED is ours, not an error.
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::map<std::string, std::int64_t> tweet_errors_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::int64_t> stream_errors_ ABSL_GUARDED_BY(mu_);
  std::string first_error_ ABSL_GUARDED_BY(mu_);
};

void WatchStream::OnReadDone(bool ok) {
  if (!ok) return;  // the stream ended; OnDone follows
  fanout_->Received(response_, seen_);
  StartRead(&response_);
}

void WatchStream::OnDone(const grpc::Status& status) {
  fanout_->StreamDone(status);
}

// One line "user_id<TAB>token[<TAB>rest]" of the watchers or authors file.
struct TokenLine {
  std::uint64_t id = 0;
  std::string authorization;  // "Bearer <token>"
  std::string rest;           // the third field, if any
};

absl::StatusOr<std::vector<TokenLine>> ReadTokenLines(const std::string& path,
                                                      absl::string_view flag) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read --", flag));
  std::vector<TokenLine> lines;
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    std::vector<std::string> f = absl::StrSplit(line, '\t');
    TokenLine parsed;
    if (f.size() < 2 || !absl::SimpleAtoi(f[0], &parsed.id)) {
      return absl::InvalidArgumentError(
          absl::StrCat("bad --", flag, " line: ", line.substr(0, 40)));
    }
    parsed.authorization = absl::StrCat("Bearer ", f[1]);
    if (f.size() > 2) parsed.rest = std::move(f[2]);
    lines.push_back(std::move(parsed));
  }
  return lines;
}

}  // namespace

int RunWatchFanout(const WatchFanoutOptions& options) {
  auto fail = [](const std::string& message) {
    std::fprintf(stderr, "miniter-load watch: %s\n", message.c_str());
    return 1;
  };
  if (options.rate <= 0) return fail("--rate must be > 0");
  absl::StatusOr<std::vector<TokenLine>> watcher_lines =
      ReadTokenLines(options.watchers_file, "watchers");
  if (!watcher_lines.ok()) return fail(watcher_lines.status().ToString());
  absl::StatusOr<std::vector<TokenLine>> author_lines =
      ReadTokenLines(options.authors_file, "authors");
  if (!author_lines.ok()) return fail(author_lines.status().ToString());
  std::vector<Watcher> watchers;
  for (TokenLine& line : *watcher_lines) {
    Watcher& watcher = watchers.emplace_back();
    watcher.id = line.id;
    watcher.authorization = std::move(line.authorization);
    for (absl::string_view id :
         absl::StrSplit(line.rest, ',', absl::SkipEmpty())) {
      std::uint64_t followee;
      if (absl::SimpleAtoi(id, &followee)) watcher.followees.insert(followee);
    }
  }
  std::vector<Author> authors;
  for (TokenLine& line : *author_lines) {
    Author& author = authors.emplace_back();
    author.id = line.id;
    author.authorization = std::move(line.authorization);
    // A home timeline holds the owner's own tweets and those of followees.
    for (const Watcher& w : watchers) {
      if (w.id == author.id || w.followees.count(author.id) != 0) {
        ++author.watchers;
      }
    }
  }
  if (watchers.empty() || authors.empty()) {
    return fail("--watchers and --authors must each have a line");
  }
  Fanout fanout(options, std::move(watchers), std::move(authors));
  return fanout.Run();
}

}  // namespace miniter::tools
