// timeline_watcher.cc: the reading thread and the waits of TimelineWatcher
// (see timeline_watcher.h).
#include "tests/integration/timeline_watcher.h"

#include "absl/time/clock.h"

namespace miniter::testing {

TimelineWatcher::TimelineWatcher(v1::Miniter::Stub& stub,
                                 const std::string& token,
                                 const std::string& resume_cursor) {
  context_.AddMetadata("authorization", "Bearer " + token);
  context_.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(60)));
  v1::WatchTimelineRequest request;
  request.set_resume_cursor(resume_cursor);
  reader_ = stub.WatchTimeline(&context_, request);
  thread_ = std::thread([this] {
    v1::WatchTimelineResponse response;
    while (reader_->Read(&response)) {
      absl::MutexLock lock(&mu_);
      events_.push_back({response, absl::Now()});
      changed_ = true;
    }
    grpc::Status status = reader_->Finish();
    absl::MutexLock lock(&mu_);
    status_ = status;
    done_ = true;
    changed_ = true;
  });
}

TimelineWatcher::~TimelineWatcher() {
  context_.TryCancel();
  thread_.join();
}

std::vector<TimelineWatcher::Received> TimelineWatcher::WaitFor(
    std::size_t n, const Predicate& pred, absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  auto matching = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    std::vector<Received> found;
    for (const Received& r : events_) {
      if (pred(r.response)) found.push_back(r);
    }
    return found;
  };
  const absl::Time deadline = absl::Now() + timeout;
  while (matching().size() < n && !done_ && absl::Now() < deadline) {
    mu_.AwaitWithDeadline(absl::Condition(&changed_), deadline);
    changed_ = false;
  }
  return matching();
}

std::vector<TimelineWatcher::Received> TimelineWatcher::WaitForTweets(
    std::size_t n, absl::Duration timeout) {
  return WaitFor(
      n, [](const v1::WatchTimelineResponse& r) { return r.has_tweet(); },
      timeout);
}

std::vector<TimelineWatcher::Received> TimelineWatcher::WaitForHeartbeats(
    std::size_t n, absl::Duration timeout) {
  return WaitFor(
      n, [](const v1::WatchTimelineResponse& r) { return r.has_heartbeat(); },
      timeout);
}

std::vector<TimelineWatcher::Received> TimelineWatcher::Events() {
  absl::MutexLock lock(&mu_);
  return events_;
}

std::vector<std::uint64_t> TimelineWatcher::TweetIds() {
  std::vector<std::uint64_t> ids;
  for (const Received& r : WaitForTweets(0)) {
    ids.push_back(r.response.tweet().id());
  }
  return ids;
}

std::string TimelineWatcher::LastCursor() {
  absl::MutexLock lock(&mu_);
  return events_.empty() ? "" : events_.back().response.cursor();
}

std::optional<grpc::Status> TimelineWatcher::Status(absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  mu_.AwaitWithTimeout(absl::Condition(&done_), timeout);
  if (!done_) return std::nullopt;
  return status_;
}

std::string TimelineWatcher::ResumeCursorTrailer() {
  const auto& trailers = context_.GetServerTrailingMetadata();
  auto it = trailers.find("resume-cursor");
  return it == trailers.end()
             ? ""
             : std::string(it->second.data(), it->second.size());
}

}  // namespace miniter::testing
