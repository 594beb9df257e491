// admission_collector.h: the families of one bounded pool with a waiting
// queue (common::AdmissionStats), read from the pool at scrape time:
//   <prefix>_capacity, <prefix>_in_use, <prefix>_waiting (gauges),
//   <prefix>_waits_total, <prefix>_wait_seconds_total,
//   <prefix>_refused_total (counters).
// The pool keeps the counters under the lock it takes anyway to admit a
// caller; this reads a copy once per scrape.
#ifndef MINITER_SERVER_METRICS_ADMISSION_COLLECTOR_H_
#define MINITER_SERVER_METRICS_ADMISSION_COLLECTOR_H_

#include <functional>
#include <string>
#include <vector>

#include "prometheus/collectable.h"
#include "prometheus/metric_family.h"
#include "server/common/admission_stats.h"

namespace miniter::metrics {

class AdmissionCollector final : public prometheus::Collectable {
 public:
  // `prefix`: the families' common name start, e.g. "miniter_db_pool".
  // `held`: what the pool hands out, for the help texts, e.g. "database
  // connections". `read` must be thread-safe.
  AdmissionCollector(std::string prefix, std::string held,
                     std::function<common::AdmissionStats()> read);

  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  const std::string prefix_;
  const std::string held_;
  const std::function<common::AdmissionStats()> read_;
};

}  // namespace miniter::metrics

#endif  // MINITER_SERVER_METRICS_ADMISSION_COLLECTOR_H_
