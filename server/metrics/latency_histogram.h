// latency_histogram.h: a fixed-bucket histogram that a hot path can observe
// without taking a lock.
//
// Why not prometheus::Histogram: in prometheus-cpp 1.0 its Observe() takes
// a std::mutex, and the histogram of one method (Timeline under the
// benchmark) is observed by every server thread at once, so that mutex
// would be contended on the busiest path. Here each bucket and the sum are
// atomics added to with relaxed ordering; a scrape reads them one by one,
// so a scrape that races an observation may see it in the bucket counts and
// not yet in the sum (or the reverse), which Prometheus tolerates and the
// next scrape corrects.
#ifndef MINITER_SERVER_METRICS_LATENCY_HISTOGRAM_H_
#define MINITER_SERVER_METRICS_LATENCY_HISTOGRAM_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "prometheus/client_metric.h"

namespace miniter::metrics {

class LatencyHistogram {
 public:
  // The bucket bounds miniter uses for call latencies, in seconds: from
  // 0.5 ms (a cached Timeline page) to 10 s (past every deadline).
  static const std::vector<double>& DefaultSecondsBuckets();

  // `upper_bounds`: increasing, finite; an implicit +Inf bucket follows.
  explicit LatencyHistogram(std::vector<double> upper_bounds);
  LatencyHistogram(const LatencyHistogram&) = delete;
  LatencyHistogram& operator=(const LatencyHistogram&) = delete;

  // Thread-safe and lock-free. Negative values count as 0.
  void Observe(double seconds);

  // Cumulative buckets (the last one +Inf), count and sum, as the text
  // format wants them. Thread-safe.
  prometheus::ClientMetric::Histogram Snapshot() const;

 private:
  const std::vector<double> upper_bounds_;
  // One per bound plus +Inf; not cumulative (Snapshot adds them up).
  const std::unique_ptr<std::atomic<std::uint64_t>[]> counts_;
  // In nanoseconds: an integer add is one instruction where a double would
  // need a compare-and-swap loop; 2^64 ns is 584 years of summed latency.
  std::atomic<std::uint64_t> sum_nanos_{0};
};

}  // namespace miniter::metrics

#endif  // MINITER_SERVER_METRICS_LATENCY_HISTOGRAM_H_
