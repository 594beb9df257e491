// watch_fanout.h: miniter-load watch, the benchmark's WatchTimeline fan-out
// measurement: N streams held open by N readers while Tweets by accounts
// they follow are posted at a fixed rate, and how long each tweet takes
// from its Tweet call to each stream that should receive it.
#ifndef MINITER_TOOLS_WATCH_FANOUT_H_
#define MINITER_TOOLS_WATCH_FANOUT_H_

#include <cstdint>
#include <string>

#include "absl/time/time.h"

namespace miniter::tools {

struct WatchFanoutOptions {
  std::string server;
  // The watchers, in the workload format of miniter-load run
  // ("user_id<TAB>token<TAB>followee,followee,..."): one stream each.
  std::string watchers_file;
  // The authors of the Tweets: "user_id<TAB>token" lines.
  std::string authors_file;
  double rate = 10;  // Tweets started per second (open loop)
  // Time between opening the streams and the first Tweet, so that every
  // stream is set up before anything is posted.
  absl::Duration settle = absl::Seconds(2);
  absl::Duration warmup = absl::Seconds(2);
  absl::Duration duration = absl::Seconds(30);
  // After the last Tweet: how long deliveries are still waited for; one
  // that has not come by then counts as missing.
  absl::Duration max_wait = absl::Seconds(10);
  absl::Duration call_timeout = absl::Seconds(5);
  int channels = 4;
  std::uint64_t seed = 1;
  std::string out;
};

int RunWatchFanout(const WatchFanoutOptions& options);

}  // namespace miniter::tools

#endif  // MINITER_TOOLS_WATCH_FANOUT_H_
