// admission_collector_test.cc: a real SlotPool's admissions (waits, their
// time, refusals) as the six miniter_<pool>_* families.
#include "server/metrics/admission_collector.h"

#include <map>
#include <string>

#include "gtest/gtest.h"
#include "prometheus/text_serializer.h"
#include "server/common/slot_pool.h"
#include "tests/metrics/exposition.h"

namespace miniter::metrics {
namespace {

TEST(AdmissionCollectorTest, ReportsWaitsAndRefusalsOfARealPool) {
  common::SlotPool pool(1, 1, "tests");
  absl::StatusOr<common::SlotPool::Slot> held =
      pool.Acquire(absl::ZeroDuration());
  ASSERT_TRUE(held.ok());
  // Waits (the one place in the queue) and gives up: a wait and a refusal.
  EXPECT_FALSE(pool.Acquire(absl::Milliseconds(20)).ok());

  AdmissionCollector collector("miniter_test_pool", "test slots",
                               [&pool] { return pool.Stats(); });
  const std::string text =
      prometheus::TextSerializer().Serialize(collector.Collect());
  absl::StatusOr<std::map<std::string, double>> samples =
      testing::ParseExposition(text);
  ASSERT_TRUE(samples.ok()) << samples.status();
  EXPECT_EQ(samples->at("miniter_test_pool_capacity"), 1);
  EXPECT_EQ(samples->at("miniter_test_pool_in_use"), 1);
  EXPECT_EQ(samples->at("miniter_test_pool_waiting"), 0);
  EXPECT_EQ(samples->at("miniter_test_pool_waits_total"), 1);
  EXPECT_GE(samples->at("miniter_test_pool_wait_seconds_total"), 0.019);
  EXPECT_EQ(samples->at("miniter_test_pool_refused_total"), 1);
  const std::map<std::string, std::string> types =
      testing::ExpositionTypes(text);
  EXPECT_EQ(types.at("miniter_test_pool_in_use"), "gauge");
  EXPECT_EQ(types.at("miniter_test_pool_refused_total"), "counter");

  // With no room to wait, a caller is refused at once, without a wait.
  common::SlotPool no_queue(1, 0, "tests");
  absl::StatusOr<common::SlotPool::Slot> only =
      no_queue.Acquire(absl::ZeroDuration());
  ASSERT_TRUE(only.ok());
  EXPECT_FALSE(no_queue.Acquire(absl::Seconds(10)).ok());
  const common::AdmissionStats stats = no_queue.Stats();
  EXPECT_EQ(stats.refused, 1u);
  EXPECT_EQ(stats.waited, 0u);
  EXPECT_EQ(stats.wait_time, absl::ZeroDuration());
}

}  // namespace
}  // namespace miniter::metrics
