// latency_histogram.cc: see the header for why it is lock-free.
#include "server/metrics/latency_histogram.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

namespace miniter::metrics {

const std::vector<double>& LatencyHistogram::DefaultSecondsBuckets() {
  static const std::vector<double>* const buckets =
      new std::vector<double>{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                              0.1,    0.25,  0.5,    1,     2.5,  5,     10};
  return *buckets;
}

LatencyHistogram::LatencyHistogram(std::vector<double> upper_bounds)
    : upper_bounds_(std::move(upper_bounds)),
      counts_(new std::atomic<std::uint64_t>[upper_bounds_.size() + 1]) {
  for (std::size_t i = 0; i <= upper_bounds_.size(); ++i) {
    counts_[i].store(0, std::memory_order_relaxed);
  }
}

void LatencyHistogram::Observe(double seconds) {
  if (!(seconds > 0)) seconds = 0;  // also NaN
  // Prometheus buckets are "less than or equal": the first bound >= value.
  const std::size_t bucket = static_cast<std::size_t>(
      std::lower_bound(upper_bounds_.begin(), upper_bounds_.end(), seconds) -
      upper_bounds_.begin());
  counts_[bucket].fetch_add(1, std::memory_order_relaxed);
  sum_nanos_.fetch_add(static_cast<std::uint64_t>(std::llround(seconds * 1e9)),
                       std::memory_order_relaxed);
}

prometheus::ClientMetric::Histogram LatencyHistogram::Snapshot() const {
  prometheus::ClientMetric::Histogram histogram;
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i <= upper_bounds_.size(); ++i) {
    cumulative += counts_[i].load(std::memory_order_relaxed);
    prometheus::ClientMetric::Bucket bucket;
    bucket.cumulative_count = cumulative;
    bucket.upper_bound = i < upper_bounds_.size()
                             ? upper_bounds_[i]
                             : std::numeric_limits<double>::infinity();
    histogram.bucket.push_back(bucket);
  }
  // The count from the same reads as the buckets, so that the +Inf bucket
  // and _count always agree.
  histogram.sample_count = cumulative;
  histogram.sample_sum =
      static_cast<double>(sum_nanos_.load(std::memory_order_relaxed)) / 1e9;
  return histogram;
}

}  // namespace miniter::metrics
