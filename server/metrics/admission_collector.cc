// admission_collector.cc: AdmissionStats as six families.
#include "server/metrics/admission_collector.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "server/metrics/families.h"

namespace miniter::metrics {
namespace {

prometheus::MetricFamily One(std::string name, std::string help,
                             prometheus::MetricType type, double value) {
  prometheus::MetricFamily family =
      NewFamily(std::move(name), std::move(help), type);
  AddSample(family, {}, value);
  return family;
}

}  // namespace

AdmissionCollector::AdmissionCollector(
    std::string prefix, std::string held,
    std::function<common::AdmissionStats()> read)
    : prefix_(std::move(prefix)),
      held_(std::move(held)),
      read_(std::move(read)) {}

std::vector<prometheus::MetricFamily> AdmissionCollector::Collect() const {
  const common::AdmissionStats stats = read_();
  using prometheus::MetricType;
  std::vector<prometheus::MetricFamily> families;
  families.push_back(One(absl::StrCat(prefix_, "_capacity"),
                         absl::StrCat("Most ", held_, " held at once."),
                         MetricType::Gauge, stats.capacity));
  families.push_back(One(absl::StrCat(prefix_, "_in_use"),
                         absl::StrCat("Number of ", held_, " held now."),
                         MetricType::Gauge, stats.in_use));
  families.push_back(One(absl::StrCat(prefix_, "_waiting"),
                         absl::StrCat("Calls waiting for ", held_, " now."),
                         MetricType::Gauge, stats.waiting));
  families.push_back(
      One(absl::StrCat(prefix_, "_waits_total"),
          absl::StrCat("Calls that had to wait for ", held_, "."),
          MetricType::Counter, static_cast<double>(stats.waited)));
  families.push_back(
      One(absl::StrCat(prefix_, "_wait_seconds_total"),
          absl::StrCat("Time those calls spent waiting for ", held_, "."),
          MetricType::Counter, absl::ToDoubleSeconds(stats.wait_time)));
  families.push_back(
      One(absl::StrCat(prefix_, "_refused_total"),
          absl::StrCat("Calls refused RESOURCE_EXHAUSTED: queue for ", held_,
                       " full, or none free in time."),
          MetricType::Counter, static_cast<double>(stats.refused)));
  return families;
}

}  // namespace miniter::metrics
