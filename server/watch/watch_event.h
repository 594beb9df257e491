// watch_event.h: one event of a WatchTimeline stream as the watch layer
// produces it (the gRPC adapter turns it into a WatchTimelineResponse).
#ifndef MINITER_SERVER_WATCH_WATCH_EVENT_H_
#define MINITER_SERVER_WATCH_WATCH_EVENT_H_

#include <string>

#include "absl/time/time.h"
#include "server/storage/records.h"

namespace miniter::watch {

struct WatchEvent {
  enum class Kind { kTweet, kHeartbeat, kGap };
  Kind kind = Kind::kHeartbeat;
  storage::TweetRecord tweet;                     // kTweet
  absl::Time server_time;                         // kHeartbeat
  storage::TweetId oldest_replayed_tweet_id = 0;  // kGap
  // The signed position after this event (watch_cursor.h).
  std::string cursor;
};

}  // namespace miniter::watch

#endif  // MINITER_SERVER_WATCH_WATCH_EVENT_H_
