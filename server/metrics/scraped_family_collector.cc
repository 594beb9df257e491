// scraped_family_collector.cc: values read at scrape time as one family.
#include "server/metrics/scraped_family_collector.h"

#include <utility>

#include "server/metrics/families.h"

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

std::vector<prometheus::MetricFamily> ScrapedFamilyCollector::Collect() const {
  prometheus::MetricFamily family = NewFamily(name_, help_, type_);
  for (const auto& [label_value, value] : read_()) {
    std::vector<prometheus::ClientMetric::Label> labels;
    if (!label_.empty()) labels.push_back({label_, label_value});
    AddSample(family, std::move(labels), value);
  }
  return {std::move(family)};
}

}  // namespace miniter::metrics
