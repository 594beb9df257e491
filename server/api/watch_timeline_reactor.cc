// watch_timeline_reactor.cc: one WatchTimeline call on the callback API
// (see watch_timeline_reactor.h).
#include "server/api/watch_timeline_reactor.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "server/api/miniter_service.h"

namespace miniter::api {
namespace {

using miniter::v1::WatchTimelineResponse;

// Finishes at once with a status and deletes itself when gRPC is done.
class RefusedReactor final
    : public grpc::ServerWriteReactor<WatchTimelineResponse> {
 public:
  explicit RefusedReactor(const grpc::Status& status) { Finish(status); }
  void OnDone() override { delete this; }
};

void SetTimestamp(absl::Time time, google::protobuf::Timestamp* out) {
  const int64_t micros = absl::ToUnixMicros(time);
  out->set_seconds(micros / 1000000);
  out->set_nanos(static_cast<int32_t>(micros % 1000000) * 1000);
}

void ToProto(const watch::WatchEvent& event, WatchTimelineResponse* out) {
  out->Clear();
  switch (event.kind) {
    case watch::WatchEvent::Kind::kTweet:
      TweetToProto(event.tweet, out->mutable_tweet());
      break;
    case watch::WatchEvent::Kind::kHeartbeat:
      SetTimestamp(event.server_time,
                   out->mutable_heartbeat()->mutable_server_time());
      break;
    case watch::WatchEvent::Kind::kGap:
      out->mutable_gap()->set_oldest_replayed_tweet_id(
          event.oldest_replayed_tweet_id);
      break;
  }
  out->set_cursor(event.cursor);
}

}  // namespace

grpc::ServerWriteReactor<WatchTimelineResponse>* WatchTimelineReactor::Start(
    grpc::CallbackServerContext* context,
    std::shared_ptr<watch::TimelineWatch> watch, storage::UserId owner,
    const std::string& resume_cursor, std::size_t buffer_events) {
  auto reactor = std::make_shared<WatchTimelineReactor>(
      context, std::move(watch), buffer_events, resume_cursor);
  WatchTimelineReactor* raw = reactor.get();
  {
    absl::MutexLock lock(&raw->mu_);
    raw->self_ = reactor;
  }
  absl::StatusOr<std::shared_ptr<watch::TimelineWatch::Stream>> stream =
      raw->watch_->Open(owner, resume_cursor, reactor);
  if (!stream.ok()) {
    absl::MutexLock lock(&raw->mu_);
    raw->self_.reset();  // never handed to gRPC; `reactor` is the last owner
    return Refuse(ToGrpcStatus(stream.status()));
  }
  absl::MutexLock lock(&raw->mu_);
  raw->stream_ = *std::move(stream);
  return raw;
}

grpc::ServerWriteReactor<WatchTimelineResponse>* WatchTimelineReactor::Refuse(
    const grpc::Status& status) {
  return new RefusedReactor(status);
}

WatchTimelineReactor::WatchTimelineReactor(
    grpc::CallbackServerContext* context,
    std::shared_ptr<watch::TimelineWatch> watch, std::size_t buffer_events,
    const std::string& resume_cursor)
    : context_(context),
      watch_(std::move(watch)),
      buffer_(buffer_events, resume_cursor) {}

std::size_t WatchTimelineReactor::Room() {
  absl::MutexLock lock(&mu_);
  return ending_.has_value() ? 0 : buffer_.Room();
}

void WatchTimelineReactor::Deliver(std::vector<watch::WatchEvent> events) {
  Action action;
  {
    absl::MutexLock lock(&mu_);
    if (ending_.has_value()) return;
    for (watch::WatchEvent& event : events) {
      if (!buffer_.Push(std::move(event))) {
        buffer_.Clear();
        ending_ = absl::ResourceExhaustedError(absl::StrCat(
            "the stream's buffer filled up: this reader takes events more "
            "slowly than they come; reconnect with the ",
            kResumeCursorTrailer, " trailer"));
        break;
      }
    }
    action = NextLocked();
  }
  Do(action);
}

void WatchTimelineReactor::End(absl::Status status) {
  Action action;
  {
    absl::MutexLock lock(&mu_);
    if (ending_.has_value()) return;
    buffer_.Clear();
    ending_ = std::move(status);
    action = NextLocked();
  }
  Do(action);
}

void WatchTimelineReactor::OnWriteDone(bool ok) {
  Action action;
  {
    absl::MutexLock lock(&mu_);
    writing_ = false;
    if (ok) {
      buffer_.Written(std::move(writing_cursor_));
    } else if (!ending_.has_value()) {
      buffer_.Clear();
      ending_ = absl::CancelledError("the client went away");
    }
    action = NextLocked();
    action.wake_producer = ok && buffer_.Empty() && !ending_.has_value();
  }
  Do(action);
}

void WatchTimelineReactor::OnCancel() {
  End(absl::CancelledError("the client cancelled the stream"));
}

void WatchTimelineReactor::OnDone() {
  std::shared_ptr<WatchTimelineReactor> self;
  std::shared_ptr<watch::TimelineWatch::Stream> stream;
  {
    absl::MutexLock lock(&mu_);
    self.swap(self_);
    stream.swap(stream_);
  }
  if (stream != nullptr) watch_->Close(stream);
  // `self` may be the last owner: nothing of this object is touched after
  // it goes.
}

WatchTimelineReactor::Action WatchTimelineReactor::NextLocked() {
  Action action;
  if (writing_ || finish_called_) return action;
  if (ending_.has_value()) {
    finish_called_ = true;
    action.finish = ToGrpcStatus(*ending_);
    return action;
  }
  std::optional<watch::WatchEvent> event = buffer_.Pop();
  if (!event.has_value()) return action;
  ToProto(*event, &response_);
  writing_cursor_ = std::move(event->cursor);
  writing_ = true;
  action.write = true;
  return action;
}

void WatchTimelineReactor::Do(const Action& action) {
  if (action.write) StartWrite(&response_);
  if (action.finish.has_value()) {
    std::string cursor;
    {
      absl::MutexLock lock(&mu_);
      cursor = buffer_.LastWrittenCursor();
    }
    // Finish is called once (finish_called_), after the last write, so
    // nothing else touches the context's trailers now.
    if (!cursor.empty()) {
      context_->AddTrailingMetadata(kResumeCursorTrailer, cursor);
    }
    Finish(*action.finish);
  }
  if (action.wake_producer) {
    std::shared_ptr<watch::TimelineWatch::Stream> stream;
    {
      absl::MutexLock lock(&mu_);
      stream = stream_;
    }
    if (stream != nullptr) watch_->Wake(stream);
  }
}

}  // namespace miniter::api
