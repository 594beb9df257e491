// timeline_watch.h: the WatchTimeline streams of this server: opening them
// (resume cursor, limits), waking them when a timeline may have changed,
// reading what is new through the timeline read path, heartbeats, and
// ending them all at shutdown.
//
// A stream's reads are blocking storage calls, so they never run on gRPC's
// callback threads: a small pool of workers here reads for whichever
// streams were woken, each stream by one worker at a time, and hands the
// events to the stream's sink (the gRPC reactor), which only queues them.
//
// A tweet wakes only the streams of its author and of the author's
// followers: each stream's followees are read once, on a worker, when it
// opens (and again after change messages may have been lost), kept up to
// date by follow messages, and indexed by author. Until they are read, or
// when an account follows more than WatchOptions::max_indexed_followees,
// a stream is woken by every tweet. A followee's tweet that the woken read
// does not find yet (the follower's memory-tier entry lags) is read for
// again after 100 ms, 200 ms, ... for a few seconds. Wakes are coalesced: a
// stream woken again before its worker ran reads once. A read woken by
// announced tweets reads only down to them (one small memory-tier page in
// the common case); a read down to the stream's floor, which covers lost
// messages, is done at least once per heartbeat period
// (docs/timeline-design.md, "Watching a timeline").
#ifndef MINITER_SERVER_WATCH_TIMELINE_WATCH_H_
#define MINITER_SERVER_WATCH_TIMELINE_WATCH_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/storage/follow_store.h"
#include "server/storage/records.h"
#include "server/storage/timeline_events.h"
#include "server/storage/tweet_store.h"
#include "server/watch/watch_cursor.h"
#include "server/watch/watch_event.h"

namespace miniter::watch {

struct WatchOptions {
  // Open streams per account, and on this server in all.
  int max_streams_per_account = 4;
  int max_streams = 1000;
  // Events queued per stream before a slow reader is ended.
  int buffer_events = 256;
  // A heartbeat after this long without an event. Each stream also reads
  // its timeline down to its floor at least this often, which covers lost
  // change messages.
  absl::Duration heartbeat = absl::Seconds(15);
  // Longer than any Tweet transaction can stay open after its INSERT (see
  // WatchPosition and docs/timeline-design.md).
  absl::Duration settle = absl::Seconds(60);
  // Tweets a resumed stream replays at most (the proto says 800).
  int replay_limit = 800;
  // Threads that read timelines for woken streams. A read mostly waits on
  // the memory tier (a Redis round trip), so more than the cores.
  int workers = 8;
  // An account following more than this many is woken by every tweet
  // rather than indexed by author (bounds the index's memory per stream).
  int max_indexed_followees = 5000;
};

// What the streams cost now, for the metrics.
struct WatchStats {
  int open_streams = 0;
  // Woken by every tweet: followees not read yet, or too many.
  int unindexed_streams = 0;
  // Timeline reads done for streams since start.
  std::uint64_t reads = 0;
};

// Where a stream's events go: the gRPC reactor. Thread-safe; never blocks.
class WatchSink {
 public:
  virtual ~WatchSink() = default;
  // How many more events fit in the stream's buffer now.
  virtual std::size_t Room() = 0;
  // Queues `events` in order; one that does not fit ends the stream with
  // RESOURCE_EXHAUSTED (the reader is too slow).
  virtual void Deliver(std::vector<WatchEvent> events) = 0;
  // Ends the stream with `status` once the write in flight (if any) is
  // done; queued events are dropped, and the trailer names the last event
  // written.
  virtual void End(absl::Status status) = 0;
};

// Thread-safe.
class TimelineWatch {
 public:
  // `tweets` must read the owner's own timeline without lag (the primary,
  // through the memory tier); `follows` lists whom a stream's owner
  // follows. `clock` is injected for tests.
  TimelineWatch(
      std::shared_ptr<storage::TweetStore> tweets,
      std::shared_ptr<storage::FollowStore> follows, WatchCursorCodec cursors,
      WatchOptions options,
      std::function<absl::Time()> clock = [] { return absl::Now(); });
  ~TimelineWatch();
  TimelineWatch(const TimelineWatch&) = delete;
  TimelineWatch& operator=(const TimelineWatch&) = delete;

  class Stream;

  // Opens `owner`'s stream, sending to `sink` (held weakly: a sink that is
  // gone ends the stream's work). INVALID_ARGUMENT for a bad
  // `resume_cursor`; RESOURCE_EXHAUSTED beyond the stream limits;
  // UNAVAILABLE once shutting down. The first read (and the replay) runs
  // on a worker. Until the stream's first event is written, the position
  // to resume from is `resume_cursor` itself.
  absl::StatusOr<std::shared_ptr<Stream>> Open(storage::UserId owner,
                                               absl::string_view resume_cursor,
                                               std::weak_ptr<WatchSink> sink);

  // The stream's reactor is done with it.
  void Close(const std::shared_ptr<Stream>& stream);

  // A stream's buffer has room again after it was short of it (a replay
  // waiting for the reader).
  void Wake(const std::shared_ptr<Stream>& stream);

  // A timeline changed (this server's write, or a message from the bus).
  void OnEvent(const storage::TimelineEvent& event);
  // Messages may have been lost: every stream re-reads.
  void OnEventsMaybeLost();

  // Ends every stream with UNAVAILABLE (the trailer lets clients resume on
  // another server) and refuses new ones. Returns without waiting for the
  // streams' last writes.
  void Shutdown();

  WatchStats Stats() const;

 private:
  void Enqueue(const std::shared_ptr<Stream>& stream, bool heartbeat)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool HasWork() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void WorkerLoop();
  void TickerLoop();
  // Adds `author` to the authors whose tweets wake `stream`.
  void IndexAuthor(const std::shared_ptr<Stream>& stream,
                   storage::UserId author) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Reads whom the stream's owner follows into the index, if not done
  // since the stream opened or since messages may have been lost; runs on
  // a worker. On failure the stream stays woken by every tweet.
  void IndexFollowees(const std::shared_ptr<Stream>& stream);
  // One read for `stream` and what follows from it; runs on a worker.
  // With `lowest_announced`, the read goes down only to that tweet.
  void Refresh(Stream& stream, bool heartbeat_due,
               std::optional<storage::TweetId> lowest_announced);
  // After a read: forgets the announced tweets it sent, and reads again
  // soon for those it did not find yet.
  void ScheduleRecheck(Stream& stream, absl::Time read_start);
  // The owner's tweets above `floor`, newest first, at most `limit`; the
  // first storage call asks for `first_page` of them.
  absl::StatusOr<std::vector<storage::TweetRecord>> ReadAbove(
      storage::UserId owner, storage::TweetId floor, std::size_t limit,
      int first_page);

  const std::shared_ptr<storage::TweetStore> tweets_;
  const std::shared_ptr<storage::FollowStore> follows_;
  const WatchCursorCodec cursors_;
  const WatchOptions options_;
  const std::function<absl::Time()> clock_;

  mutable absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::shared_ptr<Stream>> streams_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<storage::UserId, int> per_account_ ABSL_GUARDED_BY(mu_);
  // Streams by the authors whose tweets wake them (owner and followees),
  // and the streams every tweet wakes.
  absl::flat_hash_map<storage::UserId,
                      absl::flat_hash_set<std::shared_ptr<Stream>>>
      by_author_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_set<std::shared_ptr<Stream>> unindexed_ ABSL_GUARDED_BY(mu_);
  std::uint64_t reads_ ABSL_GUARDED_BY(mu_) = 0;
  std::deque<std::shared_ptr<Stream>> ready_ ABSL_GUARDED_BY(mu_);
  std::vector<std::thread> threads_;
};

}  // namespace miniter::watch

#endif  // MINITER_SERVER_WATCH_TIMELINE_WATCH_H_
