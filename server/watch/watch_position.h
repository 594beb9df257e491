// watch_position.h: where a WatchTimeline stream stands in its timeline,
// and which tweets of a fresh read of it are still to be sent.
//
// Tweets commit out of id order: an id is assigned at INSERT and becomes
// visible at COMMIT, which may come later than a higher id's. So the
// position is a floor plus the ids already sent above it (watch_cursor.h).
// The floor moves up to a sent id once that id was first seen at least the
// settle window ago: every lower id was inserted before it, and no Tweet
// transaction stays open longer than the window (docs/timeline-design.md,
// "Watching a timeline", says why), so nothing at or below it can still
// appear. The clock is this process's own, so clock skew between servers
// and the database does not matter.
//
// Not thread-safe: one stream's worker uses it at a time.
#ifndef MINITER_SERVER_WATCH_WATCH_POSITION_H_
#define MINITER_SERVER_WATCH_WATCH_POSITION_H_

#include <cstddef>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/time/time.h"
#include "server/storage/records.h"
#include "server/watch/watch_cursor.h"

namespace miniter::watch {

class WatchPosition {
 public:
  // A new stream's position: everything at or below `floor` predates it.
  WatchPosition(storage::UserId owner, storage::TweetId floor);
  // A resumed stream's position; its sent ids count as first seen `now`
  // (the stream that saw them may have been on another server).
  WatchPosition(const WatchCursor& cursor, absl::Time now);

  storage::TweetId floor() const { return floor_; }
  // How many ids are held as sent above the floor.
  std::size_t sent_above_floor() const { return sent_.size(); }

  // Whether `id` (above the floor) was already sent.
  bool Sent(storage::TweetId id) const;

  // Records `id` (above the floor) as sent, or as deliberately not sent
  // (a tweet older than a follow), first seen `now`. When more than
  // WatchCursorCodec::kMaxSentAboveFloor ids are held, the floor rises to
  // the oldest of them: only a tweet committing that late behind a burst of
  // that many could then be missed.
  void MarkSent(storage::TweetId id, absl::Time now);

  // Gives up every id below `id` that is not sent yet (a gap event: they
  // are read with Timeline instead).
  void SkipBelow(storage::TweetId id);

  // Raises the floor to the highest sent id first seen at least `settle`
  // before `now`. Call only when every visible id above the floor is sent
  // (or marked), so that the floor passes no unsent tweet.
  void Settle(absl::Time now, absl::Duration settle);

  WatchCursor ToCursor() const;

 private:
  void DropAtOrBelowFloor();

  storage::UserId owner_;
  storage::TweetId floor_;
  // Sent ids above the floor → when this stream first saw them. Copied
  // into a cursor for every event sent: a B-tree walks them far faster
  // than std::map (docs/profile.md, "WatchTimeline fan-out").
  absl::btree_map<storage::TweetId, absl::Time> sent_;
};

}  // namespace miniter::watch

#endif  // MINITER_SERVER_WATCH_WATCH_POSITION_H_
