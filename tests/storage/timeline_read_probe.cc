// timeline_read_probe.cc: a manual measurement, not a test: first-page
// (50) timeline reads of random users through MySqlTweetStore, alternating
// the merged-author cache off and on against the same database, so the two
// read paths are compared under the same load (docs/timeline-design.md).
//
//   timeline_read_probe DATABASE_URL [SECONDS] [THREADS]   (default 10 8)
// Read-only; point it at a loaded benchmark database.
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "absl/random/random.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "server/storage/mysql/mysql_storage.h"

namespace {

using namespace miniter::storage;  // a probe, not library code

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s DATABASE_URL [SECONDS] [THREADS]\n",
                 argv[0]);
    return 2;
  }
  const double seconds = argc > 2 ? std::atof(argv[2]) : 10;
  const int threads = argc > 3 ? std::atoi(argv[3]) : 8;
  const UserId max_user = 20000;  // the medium preset's users are 1..20000
  for (int round = 0; round < 4; ++round) {
    const bool cached = round % 2 == 1;
    MySqlOptions options;
    options.database_url = argv[1];
    options.pool_size = threads;
    options.timeline.merged_cache_ids_per_author = cached ? 256 : 0;
    absl::StatusOr<MySqlStorage> storage = OpenMySqlStorage(options);
    if (!storage.ok()) {
      std::fprintf(stderr, "open: %s\n", storage.status().ToString().c_str());
      return 1;
    }
    std::atomic<bool> failed{false};
    absl::Mutex mu;
    std::vector<double> latencies_ms;
    const absl::Time deadline = absl::Now() + absl::Seconds(seconds);
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
      workers.emplace_back([&] {
        absl::BitGen bitgen;
        std::vector<double> mine;
        while (absl::Now() < deadline) {
          const UserId user = absl::Uniform<UserId>(bitgen, 1, max_user + 1);
          const absl::Time start = absl::Now();
          auto page = storage->tweets->ReadTimelinePage({user, 0, 50, {}});
          mine.push_back(absl::ToDoubleMilliseconds(absl::Now() - start));
          if (!page.ok()) failed = true;
        }
        absl::MutexLock lock(&mu);
        latencies_ms.insert(latencies_ms.end(), mine.begin(), mine.end());
      });
    }
    for (std::thread& w : workers) w.join();
    std::sort(latencies_ms.begin(), latencies_ms.end());
    const auto at = [&](double q) {
      return latencies_ms.empty()
                 ? 0.0
                 : latencies_ms[static_cast<std::size_t>(
                       q * static_cast<double>(latencies_ms.size() - 1))];
    };
    std::printf(
        "cache %-3s  %8.1f reads/s  p50 %6.2f ms  p90 %6.2f ms  "
        "p99 %6.2f ms%s\n",
        cached ? "on" : "off",
        static_cast<double>(latencies_ms.size()) / seconds, at(0.5), at(0.9),
        at(0.99), failed ? "  (ERRORS)" : "");
  }
  return 0;
}
