// cache_collector.cc: CacheStats as five families labelled by cache.
#include "server/metrics/cache_collector.h"

#include <utility>

#include "server/metrics/families.h"

namespace miniter::metrics {

CacheCollector::CacheCollector(
    std::function<std::vector<common::CacheStats>()> read)
    : read_(std::move(read)) {}

std::vector<prometheus::MetricFamily> CacheCollector::Collect() const {
  using prometheus::MetricType;
  prometheus::MetricFamily hits =
      NewFamily("miniter_cache_hits_total", "Lookups the cache answered.",
                MetricType::Counter);
  prometheus::MetricFamily misses = NewFamily(
      "miniter_cache_misses_total",
      "Lookups the cache could not answer (then read from the database).",
      MetricType::Counter);
  prometheus::MetricFamily evictions = NewFamily(
      "miniter_cache_evictions_total",
      "Entries dropped to stay within the cache's bound.", MetricType::Counter);
  prometheus::MetricFamily entries = NewFamily(
      "miniter_cache_entries", "Entries in the cache now.", MetricType::Gauge);
  prometheus::MetricFamily bytes = NewFamily(
      "miniter_cache_bytes", "Estimated memory held by the cache's entries.",
      MetricType::Gauge);
  for (const common::CacheStats& cache : read_()) {
    const std::vector<prometheus::ClientMetric::Label> label = {
        {"cache", cache.name}};
    AddSample(hits, label, static_cast<double>(cache.hits));
    AddSample(misses, label, static_cast<double>(cache.misses));
    AddSample(evictions, label, static_cast<double>(cache.evictions));
    AddSample(entries, label, static_cast<double>(cache.entries));
    if (cache.bytes.has_value()) {
      AddSample(bytes, label, static_cast<double>(*cache.bytes));
    }
  }
  std::vector<prometheus::MetricFamily> families = {
      std::move(hits), std::move(misses), std::move(evictions),
      std::move(entries)};
  if (!bytes.metric.empty()) families.push_back(std::move(bytes));
  return families;
}

}  // namespace miniter::metrics
