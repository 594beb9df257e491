// latency_histogram_test.cc: LatencyHistogram puts each value in the first
// bucket whose bound is >= it, keeps an exact count and sum, and loses
// nothing when threads observe at once.
#include "server/metrics/latency_histogram.h"

#include <cmath>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace miniter::metrics {
namespace {

std::vector<std::uint64_t> Cumulative(
    const prometheus::ClientMetric::Histogram& histogram) {
  std::vector<std::uint64_t> counts;
  for (const auto& bucket : histogram.bucket) {
    counts.push_back(bucket.cumulative_count);
  }
  return counts;
}

TEST(LatencyHistogramTest, BucketsAreLessOrEqualAndCumulative) {
  LatencyHistogram histogram({0.001, 0.01, 0.1});
  histogram.Observe(0.0005);
  histogram.Observe(0.001);  // on the bound: counts in that bucket
  histogram.Observe(0.05);
  histogram.Observe(3);   // above every bound: +Inf only
  histogram.Observe(-1);  // a clock step backwards counts as 0

  const prometheus::ClientMetric::Histogram snapshot = histogram.Snapshot();
  EXPECT_EQ(Cumulative(snapshot), (std::vector<std::uint64_t>{3, 3, 4, 5}));
  ASSERT_EQ(snapshot.bucket.size(), 4u);
  EXPECT_DOUBLE_EQ(snapshot.bucket[0].upper_bound, 0.001);
  EXPECT_DOUBLE_EQ(snapshot.bucket[2].upper_bound, 0.1);
  EXPECT_TRUE(std::isinf(snapshot.bucket[3].upper_bound));
  EXPECT_EQ(snapshot.sample_count, 5u);
  EXPECT_NEAR(snapshot.sample_sum, 3.0515, 1e-9);
}

TEST(LatencyHistogramTest, ConcurrentObservationsAreAllCounted) {
  LatencyHistogram histogram(LatencyHistogram::DefaultSecondsBuckets());
  constexpr int kThreads = 4;
  constexpr int kEach = 20000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&histogram, t] {
      for (int i = 0; i < kEach; ++i) histogram.Observe(t % 2 ? 0.002 : 0.2);
    });
  }
  for (std::thread& thread : threads) thread.join();

  const prometheus::ClientMetric::Histogram snapshot = histogram.Snapshot();
  EXPECT_EQ(snapshot.sample_count, std::uint64_t{kThreads} * kEach);
  EXPECT_EQ(snapshot.bucket.back().cumulative_count,
            std::uint64_t{kThreads} * kEach);
  // 0.002 s lands in the 0.0025 bucket: half of all observations by then.
  EXPECT_EQ(snapshot.bucket[2].cumulative_count,
            std::uint64_t{kThreads} * kEach / 2);
  // The sum is kept in whole nanoseconds, so it is exact.
  EXPECT_NEAR(snapshot.sample_sum, 2 * kEach * (0.002 + 0.2), 1e-6);
}

}  // namespace
}  // namespace miniter::metrics
