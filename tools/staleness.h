// staleness.h: miniter-load staleness, the benchmark's follower-staleness
// measurement: open-loop Tweets by authors that have followers and, for a
// sample of them, how long after the Tweet's OK one follower's first
// Timeline page shows the tweet (0 when the first read already does).
#ifndef MINITER_TOOLS_STALENESS_H_
#define MINITER_TOOLS_STALENESS_H_

#include <cstdint>
#include <string>

#include "absl/time/time.h"

namespace miniter::tools {

struct StalenessOptions {
  std::string server;
  // Lines "author_id<TAB>author_token<TAB>follower_id<TAB>follower_token":
  // one per (author, follower) pair; an author may have several lines.
  std::string pairs_file;
  double rate = 100;  // Tweets started per second (open loop)
  absl::Duration warmup = absl::Seconds(2);
  absl::Duration duration = absl::Seconds(30);
  int sample_every = 20;  // one Tweet in this many is followed up
  absl::Duration max_wait = absl::Seconds(10);  // then "never seen"
  absl::Duration poll_gap = absl::Milliseconds(2);
  absl::Duration call_timeout = absl::Seconds(5);
  int page_size = 50;
  int channels = 4;
  std::uint64_t seed = 1;
  std::string out;
};

int RunStaleness(const StalenessOptions& options);

}  // namespace miniter::tools

#endif  // MINITER_TOOLS_STALENESS_H_
