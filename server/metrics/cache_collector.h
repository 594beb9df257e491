// cache_collector.h: the families of the in-process caches
// (common::CacheStats), read from them at scrape time:
//   miniter_cache_hits_total{cache}, miniter_cache_misses_total{cache},
//   miniter_cache_evictions_total{cache} (counters),
//   miniter_cache_entries{cache}, miniter_cache_bytes{cache} (gauges; bytes
//   only for caches that track their footprint).
#ifndef MINITER_SERVER_METRICS_CACHE_COLLECTOR_H_
#define MINITER_SERVER_METRICS_CACHE_COLLECTOR_H_

#include <functional>
#include <vector>

#include "prometheus/collectable.h"
#include "prometheus/metric_family.h"
#include "server/common/cache_stats.h"

namespace miniter::metrics {

class CacheCollector final : public prometheus::Collectable {
 public:
  // `read` must be thread-safe.
  explicit CacheCollector(
      std::function<std::vector<common::CacheStats>()> read);

  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  const std::function<std::vector<common::CacheStats>()> read_;
};

}  // namespace miniter::metrics

#endif  // MINITER_SERVER_METRICS_CACHE_COLLECTOR_H_
