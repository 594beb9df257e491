// watch_position.cc: the floor and sent-id bookkeeping of a stream.
#include "server/watch/watch_position.h"

namespace miniter::watch {

WatchPosition::WatchPosition(storage::UserId owner, storage::TweetId floor)
    : owner_(owner), floor_(floor) {}

WatchPosition::WatchPosition(const WatchCursor& cursor, absl::Time now)
    : owner_(cursor.owner), floor_(cursor.floor) {
  for (storage::TweetId id : cursor.sent_above_floor) MarkSent(id, now);
}

bool WatchPosition::Sent(storage::TweetId id) const {
  return id <= floor_ || sent_.count(id) > 0;
}

void WatchPosition::MarkSent(storage::TweetId id, absl::Time now) {
  if (id <= floor_) return;
  sent_.emplace(id, now);
  while (sent_.size() > WatchCursorCodec::kMaxSentAboveFloor) {
    floor_ = sent_.begin()->first;
    sent_.erase(sent_.begin());
  }
}

void WatchPosition::SkipBelow(storage::TweetId id) {
  if (id == 0 || id - 1 <= floor_) return;
  floor_ = id - 1;
  DropAtOrBelowFloor();
}

void WatchPosition::Settle(absl::Time now, absl::Duration settle) {
  for (auto it = sent_.rbegin(); it != sent_.rend(); ++it) {
    if (now - it->second >= settle) {
      floor_ = it->first;
      break;
    }
  }
  DropAtOrBelowFloor();
}

WatchCursor WatchPosition::ToCursor() const {
  WatchCursor cursor;
  cursor.owner = owner_;
  cursor.floor = floor_;
  cursor.sent_above_floor.reserve(sent_.size());
  for (const auto& [id, seen] : sent_) cursor.sent_above_floor.push_back(id);
  return cursor;
}

void WatchPosition::DropAtOrBelowFloor() {
  sent_.erase(sent_.begin(), sent_.upper_bound(floor_));
}

}  // namespace miniter::watch
