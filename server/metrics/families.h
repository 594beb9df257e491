// families.h: building the prometheus::MetricFamily values that the
// collectors return at scrape time, so each collector says only which
// families and values it has.
#ifndef MINITER_SERVER_METRICS_FAMILIES_H_
#define MINITER_SERVER_METRICS_FAMILIES_H_

#include <string>
#include <vector>

#include "prometheus/metric_family.h"

namespace miniter::metrics {

// An empty family.
prometheus::MetricFamily NewFamily(std::string name, std::string help,
                                   prometheus::MetricType type);

// Appends a sample of a counter or gauge family.
void AddSample(prometheus::MetricFamily& family,
               std::vector<prometheus::ClientMetric::Label> labels,
               double value);

}  // namespace miniter::metrics

#endif  // MINITER_SERVER_METRICS_FAMILIES_H_
