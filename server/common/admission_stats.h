// admission_stats.h: what a bounded pool with a waiting queue (the database
// connection pool, the password-hash slots) reports to metrics: a copy
// taken under the pool's own lock at scrape time, from counters the pool
// updates under the lock it already holds to admit a caller, so reporting
// adds no lock to the hot path.
#ifndef MINITER_SERVER_COMMON_ADMISSION_STATS_H_
#define MINITER_SERVER_COMMON_ADMISSION_STATS_H_

#include <cstdint>

#include "absl/time/time.h"

namespace miniter::common {

struct AdmissionStats {
  int capacity = 0;  // most held at once
  int in_use = 0;    // held now
  int waiting = 0;   // waiting for one now
  // Since start: callers that had to wait (whether they then got one or
  // not), their total time waiting, and callers refused (queue full, or
  // nothing freed up in time).
  std::uint64_t waited = 0;
  absl::Duration wait_time;
  std::uint64_t refused = 0;
};

}  // namespace miniter::common

#endif  // MINITER_SERVER_COMMON_ADMISSION_STATS_H_
