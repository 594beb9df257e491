// scraped_family_collector.cc: values read at scrape time as one family.
#include "server/metrics/scraped_family_collector.h"

namespace miniter::metrics {

ScrapedFamilyCollector::ScrapedFamilyCollector(std::string name,
                                               std::string help,
                                               prometheus::MetricType type,
                                               std::string label,
                                               std::function<Values()> read)
    : name_(std::move(name)),
      help_(std::move(help)),
      type_(type),
      label_(std::move(label)),
      read_(std::move(read)) {}

std::vector<prometheus::MetricFamily> ScrapedFamilyCollector::Collect()
    const {
  prometheus::MetricFamily family;
  family.name = name_;
  family.help = help_;
  family.type = type_;
  for (const auto& [label_value, value] : read_()) {
    prometheus::ClientMetric metric;
    if (!label_.empty()) metric.label = {{label_, label_value}};
    if (type_ == prometheus::MetricType::Counter) {
      metric.counter.value = value;
    } else {
      metric.gauge.value = value;
    }
    family.metric.push_back(std::move(metric));
  }
  return {std::move(family)};
}

}  // namespace miniter::metrics
