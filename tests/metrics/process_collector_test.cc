// process_collector_test.cc: /proc/<pid>/stat and /proc/stat parsing, and
// the process_* families of this very process.
#include "server/metrics/process_collector.h"

#include <ctime>
#include <map>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "prometheus/text_serializer.h"
#include "tests/metrics/exposition.h"

namespace miniter::metrics {
namespace {

// A stat line whose field N (N >= 3) is N * 10, but for the ones the
// collector reads, after a command name with spaces and parentheses.
std::string StatLine() {
  std::string line = "4242 (a (strange) name) S";
  for (int field = 4; field <= 52; ++field) {
    int value = field * 10;
    if (field == 14) value = 300;      // utime
    if (field == 15) value = 200;      // stime
    if (field == 22) value = 12345;    // start time
    if (field == 23) value = 1 << 24;  // vsize
    if (field == 24) value = 256;      // rss pages
    absl::StrAppend(&line, " ", value);
  }
  return line + "\n";
}

TEST(ProcessCollectorTest, ParsesStatAfterTheLastParenthesis) {
  absl::StatusOr<ProcStat> stat = ParseProcStat(StatLine());
  ASSERT_TRUE(stat.ok()) << stat.status();
  EXPECT_EQ(stat->utime_ticks, 300u);
  EXPECT_EQ(stat->stime_ticks, 200u);
  EXPECT_EQ(stat->start_ticks, 12345u);
  EXPECT_EQ(stat->virtual_bytes, 1u << 24);
  EXPECT_EQ(stat->resident_pages, 256u);

  EXPECT_FALSE(ParseProcStat("").ok());
  EXPECT_FALSE(ParseProcStat("1 (short) S 1 2 3").ok());
  EXPECT_FALSE(ParseProcStat("no parenthesis at all").ok());
}

TEST(ProcessCollectorTest, ParsesTheBootTime) {
  absl::StatusOr<std::uint64_t> boot =
      ParseBootTime("cpu  1 2 3\nctxt 99\nbtime 1700000000\nprocesses 7\n");
  ASSERT_TRUE(boot.ok()) << boot.status();
  EXPECT_EQ(*boot, 1700000000u);
  EXPECT_FALSE(ParseBootTime("cpu 1 2 3\n").ok());
}

TEST(ProcessCollectorTest, DescribesThisProcess) {
  const std::string text =
      prometheus::TextSerializer().Serialize(ProcessCollector().Collect());
  absl::StatusOr<std::map<std::string, double>> samples =
      testing::ParseExposition(text);
  ASSERT_TRUE(samples.ok()) << samples.status();
  // A test binary with gtest and gRPC loaded holds more than a megabyte.
  EXPECT_GT(samples->at("process_resident_memory_bytes"), 1 << 20);
  EXPECT_GE(samples->at("process_virtual_memory_bytes"),
            samples->at("process_resident_memory_bytes"));
  EXPECT_GE(samples->at("process_open_fds"), 3);  // stdin, stdout, stderr
  EXPECT_GE(samples->at("process_max_fds"), samples->at("process_open_fds"));
  EXPECT_GE(samples->at("process_cpu_seconds_total"), 0);
  // Started in the last day, and not in the future (the clock's tick is
  // 1/100 s; a second of slack).
  const double now = static_cast<double>(std::time(nullptr));
  EXPECT_LE(samples->at("process_start_time_seconds"), now + 1);
  EXPECT_GT(samples->at("process_start_time_seconds"), now - 86400);
  EXPECT_EQ(testing::ExpositionTypes(text).at("process_cpu_seconds_total"),
            "counter");
}

TEST(ProcessCollectorTest, LeavesOutWhatItCannotRead) {
  // No such /proc: the stat families are left out, the scrape still works.
  const std::vector<prometheus::MetricFamily> families =
      ProcessCollector("/nonexistent-proc").Collect();
  for (const prometheus::MetricFamily& family : families) {
    EXPECT_NE(family.name, "process_resident_memory_bytes");
    EXPECT_NE(family.name, "process_open_fds");
  }
}

}  // namespace
}  // namespace miniter::metrics
