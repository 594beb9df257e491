// timeline_watcher.h: a WatchTimeline call read on a thread of its own, so
// that integration tests can wait for its events with a timeout and check
// what it carried (which tweets, when, and how the stream ended).
#ifndef MINITER_TESTS_INTEGRATION_TIMELINE_WATCHER_H_
#define MINITER_TESTS_INTEGRATION_TIMELINE_WATCHER_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "miniter/v1/miniter.grpc.pb.h"

namespace miniter::testing {

class TimelineWatcher {
 public:
  // Opens the stream as the holder of `token` (60 s deadline), from
  // `resume_cursor` when it is not empty.
  TimelineWatcher(v1::Miniter::Stub& stub, const std::string& token,
                  const std::string& resume_cursor = "");
  // Cancels the call and joins the reading thread.
  ~TimelineWatcher();
  TimelineWatcher(const TimelineWatcher&) = delete;
  TimelineWatcher& operator=(const TimelineWatcher&) = delete;

  struct Received {
    v1::WatchTimelineResponse response;
    absl::Time at;  // when the reading thread got it
  };
  using Predicate = std::function<bool(const v1::WatchTimelineResponse&)>;

  // Waits until `n` events satisfy `pred` (or the stream ends, or
  // `timeout`); returns those.
  std::vector<Received> WaitFor(std::size_t n, const Predicate& pred,
                                absl::Duration timeout = absl::Seconds(10));
  std::vector<Received> WaitForTweets(
      std::size_t n, absl::Duration timeout = absl::Seconds(10));
  std::vector<Received> WaitForHeartbeats(
      std::size_t n, absl::Duration timeout = absl::Seconds(10));
  // Every event received so far.
  std::vector<Received> Events();
  // Tweet ids received so far, in the order they came.
  std::vector<std::uint64_t> TweetIds();
  // The cursor of the last event received; empty before the first.
  std::string LastCursor();
  // The status the stream ended with (waits up to `timeout`); nullopt
  // while it is still open.
  std::optional<grpc::Status> Status(
      absl::Duration timeout = absl::Seconds(10));
  // The resume-cursor trailer of an ended stream; empty when none.
  std::string ResumeCursorTrailer();

 private:
  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientReader<v1::WatchTimelineResponse>> reader_;
  std::thread thread_;
  absl::Mutex mu_;
  std::vector<Received> events_ ABSL_GUARDED_BY(mu_);
  bool changed_ ABSL_GUARDED_BY(mu_) = false;
  bool done_ ABSL_GUARDED_BY(mu_) = false;
  grpc::Status status_ ABSL_GUARDED_BY(mu_);
};

}  // namespace miniter::testing

#endif  // MINITER_TESTS_INTEGRATION_TIMELINE_WATCHER_H_
