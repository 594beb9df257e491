// scraped_family_collector.h: one family with at most one label, whose
// values a component keeps itself (atomics, or fields under a lock it
// takes anyway) and hands over at scrape time, such as the rate-limit
// refusals by limit (miniter_rate_limit_refusals_total{limit=...}) or
// whether the memory tier is in use (miniter_memory_tier_usable).
#ifndef MINITER_SERVER_METRICS_SCRAPED_FAMILY_COLLECTOR_H_
#define MINITER_SERVER_METRICS_SCRAPED_FAMILY_COLLECTOR_H_

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "prometheus/collectable.h"
#include "prometheus/metric_family.h"

namespace miniter::metrics {

class ScrapedFamilyCollector final : public prometheus::Collectable {
 public:
  // (label value, value) pairs; one pair, its label value ignored, for a
  // family without a label.
  using Values = std::vector<std::pair<std::string, double>>;

  // `type`: Counter or Gauge. `label`: the label's name, or empty for none.
  // `read` must be thread-safe.
  ScrapedFamilyCollector(std::string name, std::string help,
                         prometheus::MetricType type, std::string label,
                         std::function<Values()> read);

  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  const std::string name_;
  const std::string help_;
  const prometheus::MetricType type_;
  const std::string label_;
  const std::function<Values()> read_;
};

}  // namespace miniter::metrics

#endif  // MINITER_SERVER_METRICS_SCRAPED_FAMILY_COLLECTOR_H_
