// timeline_watch.cc: opening, waking, reading for and ending the streams.
#include "server/watch/timeline_watch.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "server/watch/watch_position.h"

namespace miniter::watch {
namespace {

// Tweets read per storage call; the Timeline RPC's largest page.
constexpr int kReadPage = 100;
// The first page of a read for announced tweets: they are near the top.
constexpr int kNewsPage = 8;
// Followees read per storage call when a stream opens.
constexpr int kFolloweePage = 1000;
// A followee's tweet that a woken read did not find yet (a follower's
// memory-tier entry is filled after the commit, and repaired later when
// that failed; another server's cache of a merged author may lag) is read
// for again after 100 ms, 200 ms, ... up to kAwaitFor, then left to the
// heartbeat. At most kMaxAwaited per stream.
constexpr absl::Duration kFirstRecheck = absl::Milliseconds(100);
constexpr absl::Duration kAwaitFor = absl::Seconds(7);
constexpr std::size_t kMaxAwaited = 64;

}  // namespace

class TimelineWatch::Stream {
 public:
  Stream(storage::UserId owner, std::optional<WatchCursor> resume,
         std::weak_ptr<WatchSink> sink)
      : owner_(owner), resume_(std::move(resume)), sink_(std::move(sink)) {}

  storage::UserId owner() const { return owner_; }

 private:
  friend class TimelineWatch;
  const storage::UserId owner_;

  // Guarded by TimelineWatch::mu_.
  bool queued_ = false;         // in ready_
  bool running_ = false;        // a worker reads for it now
  bool again_ = false;          // woken while running: read once more
  bool heartbeat_due_ = false;  // the next read sends a heartbeat if idle
  // The next read goes down to the floor rather than only to the lowest
  // announced tweet: the first read, and after a wake that named no tweet
  // (a follow, lost messages, an unindexed stream, too many announced).
  bool full_read_due_ = true;
  absl::Time last_full_read_;
  bool closed_ = false;
  bool waiting_for_room_ = false;
  // Followees read into the index since the stream opened or since
  // messages may have been lost; or found to be too many to index.
  bool indexed_ = false;
  bool too_many_followees_ = false;
  // Whose tweets wake it, in TimelineWatch::by_author_. Only grows while
  // the stream is open: an extra wake costs a read, a missing one latency.
  absl::flat_hash_set<storage::UserId> authors_;
  // Tweets by those authors announced but not sent yet, and when
  // announced; the next read for them, and the delay before it.
  std::vector<std::pair<storage::TweetId, absl::Time>> awaited_;
  absl::Time recheck_at_ = absl::InfiniteFuture();
  absl::Duration recheck_delay_ = absl::ZeroDuration();
  absl::Time last_activity_;
  // Accounts followed while the stream is open, and when: their older
  // tweets are not news.
  std::vector<std::pair<storage::UserId, absl::Time>> followed_;

  // Used by the one worker running it (running_ hands it over).
  std::optional<WatchCursor> resume_;
  std::optional<WatchPosition> position_;
  bool replaying_ = false;
  std::weak_ptr<WatchSink> sink_;
};

TimelineWatch::TimelineWatch(std::shared_ptr<storage::TweetStore> tweets,
                             std::shared_ptr<storage::FollowStore> follows,
                             WatchCursorCodec cursors, WatchOptions options,
                             std::function<absl::Time()> clock)
    : tweets_(std::move(tweets)),
      follows_(std::move(follows)),
      cursors_(std::move(cursors)),
      options_(options),
      clock_(std::move(clock)) {
  for (int i = 0; i < std::max(options_.workers, 1); ++i) {
    threads_.emplace_back([this] { WorkerLoop(); });
  }
  threads_.emplace_back([this] { TickerLoop(); });
}

TimelineWatch::~TimelineWatch() {
  Shutdown();
  for (std::thread& thread : threads_) thread.join();
}

absl::StatusOr<std::shared_ptr<TimelineWatch::Stream>> TimelineWatch::Open(
    storage::UserId owner, absl::string_view resume_cursor,
    std::weak_ptr<WatchSink> sink) {
  std::optional<WatchCursor> resume;
  if (!resume_cursor.empty()) {
    absl::StatusOr<WatchCursor> decoded = cursors_.Decode(resume_cursor, owner);
    if (!decoded.ok()) return decoded.status();
    resume = *std::move(decoded);
  }
  auto stream =
      std::make_shared<Stream>(owner, std::move(resume), std::move(sink));
  absl::MutexLock lock(&mu_);
  if (stopping_) {
    return absl::UnavailableError(
        "the server is shutting down; watch through another server");
  }
  int& mine = per_account_[owner];
  if (mine >= options_.max_streams_per_account) {
    if (mine == 0) per_account_.erase(owner);
    return absl::ResourceExhaustedError(absl::StrCat(
        "this account already has ", options_.max_streams_per_account,
        " WatchTimeline streams open (the most allowed); close one first"));
  }
  if (static_cast<int>(streams_.size()) >= options_.max_streams) {
    if (mine == 0) per_account_.erase(owner);
    return absl::ResourceExhaustedError(
        "this server has as many WatchTimeline streams open as it allows; "
        "retry later or through another server");
  }
  ++mine;
  streams_.push_back(stream);
  IndexAuthor(stream, owner);
  unindexed_.insert(stream);
  stream->last_activity_ = clock_();
  stream->last_full_read_ = stream->last_activity_;
  Enqueue(stream, false);
  return stream;
}

void TimelineWatch::Close(const std::shared_ptr<Stream>& stream) {
  absl::MutexLock lock(&mu_);
  if (stream->closed_) return;
  stream->closed_ = true;
  streams_.erase(std::remove(streams_.begin(), streams_.end(), stream),
                 streams_.end());
  for (storage::UserId author : stream->authors_) {
    auto streams = by_author_.find(author);
    if (streams == by_author_.end()) continue;
    streams->second.erase(stream);
    if (streams->second.empty()) by_author_.erase(streams);
  }
  unindexed_.erase(stream);
  auto it = per_account_.find(stream->owner());
  if (it != per_account_.end() && --it->second <= 0) per_account_.erase(it);
}

void TimelineWatch::Wake(const std::shared_ptr<Stream>& stream) {
  absl::MutexLock lock(&mu_);
  if (!stream->waiting_for_room_) return;
  stream->waiting_for_room_ = false;
  stream->full_read_due_ = true;
  Enqueue(stream, false);
}

void TimelineWatch::OnEvent(const storage::TimelineEvent& event) {
  absl::MutexLock lock(&mu_);
  if (event.kind == storage::TimelineEvent::Kind::kTweet) {
    if (auto streams = by_author_.find(event.user);
        streams != by_author_.end()) {
      const absl::Time now = clock_();
      for (const std::shared_ptr<Stream>& stream : streams->second) {
        if (event.tweet != 0 && stream->awaited_.size() < kMaxAwaited) {
          stream->awaited_.emplace_back(event.tweet, now);
        } else {
          stream->full_read_due_ = true;
        }
        Enqueue(stream, false);
      }
    }
    for (const std::shared_ptr<Stream>& stream : unindexed_) {
      stream->full_read_due_ = true;
      Enqueue(stream, false);
    }
    return;
  }
  // Follow and unfollow messages are rare next to tweets: a scan will do.
  for (const std::shared_ptr<Stream>& stream : streams_) {
    if (stream->owner() != event.user) continue;
    if (event.kind == storage::TimelineEvent::Kind::kFollow) {
      stream->followed_.emplace_back(event.followee, event.at);
      IndexAuthor(stream, event.followee);
    }
    stream->full_read_due_ = true;
    Enqueue(stream, false);
  }
}

void TimelineWatch::OnEventsMaybeLost() {
  absl::MutexLock lock(&mu_);
  for (const std::shared_ptr<Stream>& stream : streams_) {
    // A follow message may be among the lost: read the followees again,
    // and wake on every tweet until then.
    stream->indexed_ = false;
    unindexed_.insert(stream);
    stream->full_read_due_ = true;
    Enqueue(stream, false);
  }
}

void TimelineWatch::Shutdown() {
  std::vector<std::shared_ptr<Stream>> streams;
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    stopping_ = true;
    streams = streams_;
    ready_.clear();
  }
  for (const std::shared_ptr<Stream>& stream : streams) {
    if (std::shared_ptr<WatchSink> sink = stream->sink_.lock()) {
      sink->End(absl::UnavailableError(
          "the server is shutting down; reconnect (through another server) "
          "with the resume-cursor trailer"));
    }
  }
}

WatchStats TimelineWatch::Stats() const {
  absl::MutexLock lock(&mu_);
  WatchStats stats;
  stats.open_streams = static_cast<int>(streams_.size());
  stats.unindexed_streams = static_cast<int>(unindexed_.size());
  stats.reads = reads_;
  return stats;
}

void TimelineWatch::IndexAuthor(const std::shared_ptr<Stream>& stream,
                                storage::UserId author) {
  if (stream->closed_ || !stream->authors_.insert(author).second) return;
  by_author_[author].insert(stream);
}

void TimelineWatch::IndexFollowees(const std::shared_ptr<Stream>& stream) {
  {
    absl::MutexLock lock(&mu_);
    if (stream->indexed_ || stream->too_many_followees_) return;
    // Marked before the read: a follow message that arrives meanwhile is
    // indexed by OnEvent, and a loss meanwhile marks it unindexed again.
    stream->indexed_ = true;
  }
  std::vector<storage::UserId> followees;
  storage::FollowListQuery query;
  query.user_id = stream->owner();
  query.limit = kFolloweePage;
  bool too_many = false;
  while (true) {
    absl::StatusOr<std::vector<storage::FollowListEntry>> page =
        follows_->ListFollowing(query);
    if (!page.ok()) {
      absl::MutexLock lock(&mu_);
      stream->indexed_ = false;  // woken by every tweet; tried next read
      return;
    }
    for (const storage::FollowListEntry& entry : *page) {
      followees.push_back(entry.user.id);
    }
    if (static_cast<int>(followees.size()) > options_.max_indexed_followees) {
      too_many = true;
      break;
    }
    if (page->size() < static_cast<std::size_t>(query.limit)) break;
    query.after_followed_at = page->back().followed_at;
    query.after_user_id = page->back().user.id;
  }
  absl::MutexLock lock(&mu_);
  if (too_many) {
    stream->too_many_followees_ = true;
    return;
  }
  if (!stream->indexed_) return;  // messages lost while reading: again
  for (storage::UserId followee : followees) IndexAuthor(stream, followee);
  unindexed_.erase(stream);
}

void TimelineWatch::Enqueue(const std::shared_ptr<Stream>& stream,
                            bool heartbeat) {
  if (stream->closed_ || stopping_) return;
  if (heartbeat) stream->heartbeat_due_ = true;
  if (stream->running_) {
    stream->again_ = true;
    return;
  }
  if (stream->queued_) return;
  stream->queued_ = true;
  ready_.push_back(stream);
}

void TimelineWatch::WorkerLoop() {
  while (true) {
    std::shared_ptr<Stream> stream;
    bool heartbeat = false;
    std::optional<storage::TweetId> lowest_announced;
    bool read = true;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(this, &TimelineWatch::HasWork));
      if (stopping_) return;
      stream = std::move(ready_.front());
      ready_.pop_front();
      stream->queued_ = false;
      stream->running_ = true;
      heartbeat = stream->heartbeat_due_;
      stream->heartbeat_due_ = false;
      if (heartbeat || stream->full_read_due_) {
        stream->full_read_due_ = false;
        stream->last_full_read_ = clock_();
      } else if (!stream->awaited_.empty()) {
        lowest_announced =
            std::min_element(stream->awaited_.begin(), stream->awaited_.end())
                ->first;
      } else {
        read = false;  // what woke it was found by the read before
      }
      if (read) ++reads_;
    }
    if (read) {
      IndexFollowees(stream);
      Refresh(*stream, heartbeat, lowest_announced);
    }
    absl::MutexLock lock(&mu_);
    stream->running_ = false;
    if (stream->again_) {
      stream->again_ = false;
      Enqueue(stream, false);
    }
  }
}

bool TimelineWatch::HasWork() const { return stopping_ || !ready_.empty(); }

void TimelineWatch::TickerLoop() {
  const absl::Duration tick = std::clamp(
      options_.heartbeat / 4, absl::Milliseconds(10), kFirstRecheck / 2);
  absl::MutexLock lock(&mu_);
  while (!stopping_) {
    mu_.AwaitWithTimeout(absl::Condition(&stopping_), tick);
    const absl::Time now = clock_();
    for (const std::shared_ptr<Stream>& stream : streams_) {
      if (now - stream->last_activity_ >= options_.heartbeat) {
        stream->last_activity_ = now;
        Enqueue(stream, true);
      } else if (now - stream->last_full_read_ >= options_.heartbeat) {
        // A busy stream's reads go only as far down as announced tweets:
        // one read to the floor per heartbeat period still finds tweets
        // whose message was lost (or never sent: no Redis).
        stream->last_full_read_ = now;
        stream->full_read_due_ = true;
        Enqueue(stream, false);
      } else if (now >= stream->recheck_at_) {
        stream->recheck_at_ = absl::InfiniteFuture();
        Enqueue(stream, false);
      }
    }
  }
}

absl::StatusOr<std::vector<storage::TweetRecord>> TimelineWatch::ReadAbove(
    storage::UserId owner, storage::TweetId floor, std::size_t limit,
    int first_page) {
  std::vector<storage::TweetRecord> found;
  storage::TimelinePageQuery query;
  query.user_id = owner;
  query.limit = static_cast<int>(std::min<std::size_t>(first_page, limit));
  while (found.size() < limit) {
    absl::StatusOr<std::vector<storage::TweetRecord>> page =
        tweets_->ReadTimelinePage(query);
    if (!page.ok()) return page.status();
    for (storage::TweetRecord& tweet : *page) {
      if (tweet.id <= floor || found.size() >= limit) return found;
      found.push_back(std::move(tweet));
    }
    if (page->size() < static_cast<std::size_t>(query.limit)) break;
    query.before_tweet_id = found.back().id;
    query.limit = static_cast<int>(std::min<std::size_t>(kReadPage, limit));
  }
  return found;
}

void TimelineWatch::Refresh(Stream& stream, bool heartbeat_due,
                            std::optional<storage::TweetId> lowest_announced) {
  std::shared_ptr<WatchSink> sink = stream.sink_.lock();
  if (sink == nullptr) return;
  // Both the settle window and "first seen" count from before the read:
  // whatever committed before this moment is in it.
  const absl::Time read_start = clock_();
  std::vector<WatchEvent> events;
  auto add_event = [&](WatchEvent event) {
    event.cursor = cursors_.Encode(stream.position_->ToCursor());
    events.push_back(std::move(event));
  };
  auto heartbeat = [&] {
    stream.position_->Settle(read_start, options_.settle);
    WatchEvent event;
    event.kind = WatchEvent::Kind::kHeartbeat;
    event.server_time = read_start;
    add_event(std::move(event));
  };

  if (!stream.position_.has_value()) {
    if (stream.resume_.has_value()) {
      stream.position_.emplace(*stream.resume_, read_start);
      stream.replaying_ = true;
    } else {
      // A new stream starts above the newest tweet there is; its first
      // event, a heartbeat, hands the client a cursor at once.
      absl::StatusOr<std::vector<storage::TweetRecord>> head =
          ReadAbove(stream.owner(), 0, 1, 1);
      if (!head.ok()) {
        sink->End(absl::UnavailableError(absl::StrCat(
            "cannot read the timeline: ", head.status().message())));
        return;
      }
      stream.position_.emplace(stream.owner(),
                               head->empty() ? 0 : head->front().id);
      heartbeat();
      sink->Deliver(std::move(events));
      return;
    }
  }
  WatchPosition& position = *stream.position_;

  // Down to the floor, or (a wake by announced tweets) only to the lowest
  // of them: every other tweet above the floor was sent or will be
  // announced too, and the reads to the floor (a heartbeat period apart)
  // catch the ones whose message was lost. Only a read to the floor knows
  // everything above it is sent, so only it may raise the floor.
  const bool full = stream.replaying_ || !lowest_announced.has_value();
  const storage::TweetId stop =
      full ? position.floor()
           : std::max(position.floor(), *lowest_announced - 1);
  const std::size_t sent_above = position.sent_above_floor();
  absl::StatusOr<std::vector<storage::TweetRecord>> read = ReadAbove(
      stream.owner(), stop,
      static_cast<std::size_t>(options_.replay_limit) + 1 + sent_above,
      full ? kReadPage : kNewsPage);
  if (!read.ok()) {
    // A read woken by a change may fail and the next one work; a failed
    // heartbeat read means the timeline has been unreadable for a while.
    if (heartbeat_due) {
      sink->End(absl::UnavailableError(
          absl::StrCat("cannot read the timeline: ", read.status().message())));
    }
    if (full) {
      absl::MutexLock lock(&mu_);
      stream.full_read_due_ = true;
    }
    ScheduleRecheck(stream, read_start);
    return;
  }
  std::vector<std::pair<storage::UserId, absl::Time>> followed;
  {
    absl::MutexLock lock(&mu_);
    followed = stream.followed_;
  }
  // Oldest first: the order a replay sends in, and the order that keeps
  // every cursor on the way consistent.
  std::vector<storage::TweetRecord> unsent;
  for (auto it = read->rbegin(); it != read->rend(); ++it) {
    if (position.Sent(it->id)) continue;
    const bool older_than_follow =
        std::any_of(followed.begin(), followed.end(), [&](const auto& follow) {
          return follow.first == it->author_id &&
                 it->created_at < follow.second;
        });
    if (older_than_follow) {
      position.MarkSent(it->id, read_start);
      continue;
    }
    unsent.push_back(std::move(*it));
  }
  std::size_t first = 0;
  if (unsent.size() > static_cast<std::size_t>(options_.replay_limit)) {
    first = unsent.size() - options_.replay_limit;
    position.SkipBelow(unsent[first].id);
    WatchEvent gap;
    gap.kind = WatchEvent::Kind::kGap;
    gap.oldest_replayed_tweet_id = unsent[first].id;
    add_event(std::move(gap));
  }
  std::size_t last = unsent.size();
  if (stream.replaying_) {
    // A replay goes as fast as the reader takes it, never overflowing.
    const std::size_t room = sink->Room();
    const std::size_t fits = room > events.size() ? room - events.size() : 0;
    last = std::min(last, first + fits);
  }
  for (std::size_t i = first; i < last; ++i) {
    position.MarkSent(unsent[i].id, read_start);
    if (full && i + 1 == unsent.size()) {
      position.Settle(read_start, options_.settle);
    }
    WatchEvent event;
    event.kind = WatchEvent::Kind::kTweet;
    event.tweet = std::move(unsent[i]);
    add_event(std::move(event));
  }
  if (last < unsent.size()) {
    absl::MutexLock lock(&mu_);
    stream.waiting_for_room_ = true;
  } else {
    stream.replaying_ = false;
    if (events.empty() && heartbeat_due) heartbeat();
  }
  ScheduleRecheck(stream, read_start);
  if (!events.empty()) {
    {
      absl::MutexLock lock(&mu_);
      stream.last_activity_ = clock_();
    }
    sink->Deliver(std::move(events));
  }
}

void TimelineWatch::ScheduleRecheck(Stream& stream, absl::Time read_start) {
  const WatchPosition& position = *stream.position_;
  absl::MutexLock lock(&mu_);
  auto& awaited = stream.awaited_;
  awaited.erase(std::remove_if(awaited.begin(), awaited.end(),
                               [&](const auto& tweet) {
                                 return tweet.first <= position.floor() ||
                                        position.Sent(tweet.first) ||
                                        read_start - tweet.second > kAwaitFor;
                               }),
                awaited.end());
  if (awaited.empty()) {
    stream.recheck_delay_ = absl::ZeroDuration();
    stream.recheck_at_ = absl::InfiniteFuture();
    return;
  }
  stream.recheck_delay_ = stream.recheck_delay_ == absl::ZeroDuration()
                              ? kFirstRecheck
                              : 2 * stream.recheck_delay_;
  stream.recheck_at_ = read_start + stream.recheck_delay_;
}

}  // namespace miniter::watch
