// watch_timeline_reactor.h: the gRPC side of one WatchTimeline stream, on
// the callback API so that an open stream holds no thread: it takes the
// events server/watch/ produces, queues them in the stream's bounded
// buffer, writes them one at a time, and finishes the call with the
// `resume-cursor` trailer when the stream ends early.
#ifndef MINITER_SERVER_API_WATCH_TIMELINE_REACTOR_H_
#define MINITER_SERVER_API_WATCH_TIMELINE_REACTOR_H_

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "grpcpp/grpcpp.h"
#include "miniter/v1/miniter.grpc.pb.h"
#include "server/storage/records.h"
#include "server/watch/timeline_watch.h"
#include "server/watch/watch_event_buffer.h"

namespace miniter::api {

// The trailer that holds the cursor to reconnect with.
inline constexpr char kResumeCursorTrailer[] = "resume-cursor";

// Owned by itself (self_) from Start() to OnDone(); TimelineWatch holds it
// weakly as the stream's sink. No lock is held while calling into gRPC or
// TimelineWatch.
class WatchTimelineReactor final
    : public grpc::ServerWriteReactor<miniter::v1::WatchTimelineResponse>,
      public watch::WatchSink {
 public:
  // Opens `owner`'s stream on `watch` and starts it; on failure (bad
  // cursor, limits) the call finishes at once with that status. Returns
  // the reactor for gRPC.
  static grpc::ServerWriteReactor<miniter::v1::WatchTimelineResponse>* Start(
      grpc::CallbackServerContext* context,
      std::shared_ptr<watch::TimelineWatch> watch, storage::UserId owner,
      const std::string& resume_cursor, std::size_t buffer_events);

  // A reactor that only finishes with `status` (UNAUTHENTICATED, ...).
  static grpc::ServerWriteReactor<miniter::v1::WatchTimelineResponse>* Refuse(
      const grpc::Status& status);

  // `resume_cursor` is the trailer should the stream end before its first
  // event is written.
  WatchTimelineReactor(grpc::CallbackServerContext* context,
                       std::shared_ptr<watch::TimelineWatch> watch,
                       std::size_t buffer_events,
                       const std::string& resume_cursor);

  // watch::WatchSink
  std::size_t Room() override;
  void Deliver(std::vector<watch::WatchEvent> events) override;
  void End(absl::Status status) override;

  // grpc::ServerWriteReactor
  void OnWriteDone(bool ok) override;
  void OnCancel() override;
  void OnDone() override;

 private:
  struct Action {
    bool write = false;
    std::optional<grpc::Status> finish;
    bool wake_producer = false;
  };
  // What to do next: one write at a time; Finish exactly once, after the
  // write in flight when ending.
  Action NextLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Do(const Action& action);

  grpc::CallbackServerContext* const context_;
  const std::shared_ptr<watch::TimelineWatch> watch_;
  std::shared_ptr<watch::TimelineWatch::Stream> stream_;

  absl::Mutex mu_;
  std::shared_ptr<WatchTimelineReactor> self_ ABSL_GUARDED_BY(mu_);
  watch::WatchEventBuffer buffer_ ABSL_GUARDED_BY(mu_);
  // The cursor of the event being written.
  std::string writing_cursor_ ABSL_GUARDED_BY(mu_);
  miniter::v1::WatchTimelineResponse response_;  // gRPC's while writing_
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  std::optional<absl::Status> ending_ ABSL_GUARDED_BY(mu_);
  bool finish_called_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace miniter::api

#endif  // MINITER_SERVER_API_WATCH_TIMELINE_REACTOR_H_
