// cache_collector.cc: CacheStats as five families labelled by cache.
#include "server/metrics/cache_collector.h"

#include <utility>

namespace miniter::metrics {
namespace {

prometheus::MetricFamily Family(const char* name, const char* help,
                                prometheus::MetricType type) {
  prometheus::MetricFamily family;
  family.name = name;
  family.help = help;
  family.type = type;
  return family;
}

void Add(prometheus::MetricFamily& family, const std::string& cache,
         double value) {
  prometheus::ClientMetric metric;
  metric.label = {{"cache", cache}};
  if (family.type == prometheus::MetricType::Counter) {
    metric.counter.value = value;
  } else {
    metric.gauge.value = value;
  }
  family.metric.push_back(std::move(metric));
}

}  // namespace

CacheCollector::CacheCollector(
    std::function<std::vector<common::CacheStats>()> read)
    : read_(std::move(read)) {}

std::vector<prometheus::MetricFamily> CacheCollector::Collect() const {
  using prometheus::MetricType;
  prometheus::MetricFamily hits = Family(
      "miniter_cache_hits_total", "Lookups the cache answered.",
      MetricType::Counter);
  prometheus::MetricFamily misses = Family(
      "miniter_cache_misses_total",
      "Lookups the cache could not answer (then read from the database).",
      MetricType::Counter);
  prometheus::MetricFamily evictions = Family(
      "miniter_cache_evictions_total",
      "Entries dropped to stay within the cache's bound.",
      MetricType::Counter);
  prometheus::MetricFamily entries = Family(
      "miniter_cache_entries", "Entries in the cache now.", MetricType::Gauge);
  prometheus::MetricFamily bytes = Family(
      "miniter_cache_bytes", "Estimated memory held by the cache's entries.",
      MetricType::Gauge);
  for (const common::CacheStats& cache : read_()) {
    Add(hits, cache.name, static_cast<double>(cache.hits));
    Add(misses, cache.name, static_cast<double>(cache.misses));
    Add(evictions, cache.name, static_cast<double>(cache.evictions));
    Add(entries, cache.name, static_cast<double>(cache.entries));
    if (cache.bytes.has_value()) {
      Add(bytes, cache.name, static_cast<double>(*cache.bytes));
    }
  }
  std::vector<prometheus::MetricFamily> families = {
      std::move(hits), std::move(misses), std::move(evictions),
      std::move(entries)};
  if (!bytes.metric.empty()) families.push_back(std::move(bytes));
  return families;
}

}  // namespace miniter::metrics
