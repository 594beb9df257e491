// server_metrics.cc: which services are counted, and what a port that
// cannot be served means.
#include "server/app/server_metrics.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "server/common/log.h"
#include "server/metrics/admission_collector.h"
#include "server/metrics/cache_collector.h"
#include "server/metrics/grpc_metrics_interceptor.h"
#include "server/metrics/scraped_family_collector.h"

namespace miniter::app {

absl::StatusOr<std::unique_ptr<ServerMetrics>> ServerMetrics::Start(
    const ServerOptions& options, const Sources& sources) {
  if (options.metrics_listen.empty()) return std::unique_ptr<ServerMetrics>();
  // Reflection's calls are tools', not clients', and are left out.
  absl::StatusOr<std::vector<metrics::GrpcMethodName>> methods =
      metrics::MethodsOfServices(
          {"miniter.v1.Miniter", "grpc.health.v1.Health"});
  if (!methods.ok()) return methods.status();
  std::unique_ptr<ServerMetrics> server_metrics(new ServerMetrics());
  server_metrics->calls_ =
      std::make_shared<metrics::GrpcServerMetrics>(*methods);
  std::vector<std::shared_ptr<prometheus::Collectable>> collectables = {
      server_metrics->calls_};
  if (sources.database_pool) {
    collectables.push_back(std::make_shared<metrics::AdmissionCollector>(
        "miniter_db_pool", "database connections", sources.database_pool));
  }
  if (sources.password_hashing) {
    collectables.push_back(std::make_shared<metrics::AdmissionCollector>(
        "miniter_password_hash", "password hash slots",
        sources.password_hashing));
  }
  if (sources.caches) {
    collectables.push_back(
        std::make_shared<metrics::CacheCollector>(sources.caches));
  }
  using metrics::ScrapedFamilyCollector;
  using prometheus::MetricType;
  if (sources.rate_limit_refusals) {
    collectables.push_back(std::make_shared<ScrapedFamilyCollector>(
        "miniter_rate_limit_refusals_total",
        "Calls refused RESOURCE_EXHAUSTED by a rate limit, by the limit's "
        "flag name.",
        MetricType::Counter, "limit", [read = sources.rate_limit_refusals] {
          ScrapedFamilyCollector::Values values;
          for (const auto& [limit, refusals] : read()) {
            values.emplace_back(limit, static_cast<double>(refusals));
          }
          return values;
        }));
  }
  if (sources.memory_tier_calls) {
    // One family each for calls and errors, from the same counts.
    auto tier_counts = [read = sources.memory_tier_calls](bool errors) {
      ScrapedFamilyCollector::Values values;
      for (const auto& count : read()) {
        values.emplace_back(
            count.operation,
            static_cast<double>(errors ? count.errors : count.calls));
      }
      return values;
    };
    collectables.push_back(std::make_shared<ScrapedFamilyCollector>(
        "miniter_memory_tier_calls_total",
        "Calls to the memory tier (Redis), by operation.", MetricType::Counter,
        "operation", [tier_counts] { return tier_counts(false); }));
    collectables.push_back(std::make_shared<ScrapedFamilyCollector>(
        "miniter_memory_tier_errors_total",
        "Calls to the memory tier that failed, by operation.",
        MetricType::Counter, "operation",
        [tier_counts] { return tier_counts(true); }));
  }
  if (sources.memory_tier_usable) {
    collectables.push_back(std::make_shared<ScrapedFamilyCollector>(
        "miniter_memory_tier_usable",
        "1 while the memory tier is in use; 0 while reads and writes use "
        "MariaDB alone (Redis unreachable, or repairing).",
        MetricType::Gauge, "", [read = sources.memory_tier_usable] {
          return ScrapedFamilyCollector::Values{{"", read() ? 1.0 : 0.0}};
        }));
  }
  if (sources.watch) {
    struct WatchFamily {
      const char* name;
      const char* help;
      MetricType type;
      double (*pick)(const watch::WatchStats&);
    };
    const WatchFamily families[] = {
        {"miniter_watch_streams", "WatchTimeline streams open on this server.",
         MetricType::Gauge,
         [](const watch::WatchStats& s) {
           return static_cast<double>(s.open_streams);
         }},
        {"miniter_watch_streams_unindexed",
         "Open streams woken by every tweet rather than by their followees' "
         "(followees not read yet, or too many to index).",
         MetricType::Gauge,
         [](const watch::WatchStats& s) {
           return static_cast<double>(s.unindexed_streams);
         }},
        {"miniter_watch_reads_total",
         "Timeline reads done for WatchTimeline streams (each wake, "
         "coalesced, and each heartbeat costs one).",
         MetricType::Counter,
         [](const watch::WatchStats& s) {
           return static_cast<double>(s.reads);
         }},
    };
    for (const WatchFamily& family : families) {
      collectables.push_back(std::make_shared<ScrapedFamilyCollector>(
          family.name, family.help, family.type, "",
          [read = sources.watch, pick = family.pick] {
            return ScrapedFamilyCollector::Values{{"", pick(read())}};
          }));
    }
  }
  absl::StatusOr<std::unique_ptr<metrics::MetricsEndpoint>> endpoint =
      metrics::MetricsEndpoint::Start(options.metrics_listen,
                                      std::move(collectables));
  if (!endpoint.ok()) {
    if (options.metrics_listen_may_fail &&
        absl::IsUnavailable(endpoint.status())) {
      common::LogLine(
          absl::StrCat("WARNING: no metrics: ", endpoint.status().message(),
                       "; give each server its own --metrics_listen"));
      return std::unique_ptr<ServerMetrics>();
    }
    return endpoint.status();
  }
  server_metrics->endpoint_ = *std::move(endpoint);
  common::LogLine(absl::StrCat("metrics: Prometheus endpoint on http://",
                               options.metrics_listen, "/metrics (port ",
                               server_metrics->endpoint_->port(), ")"));
  return server_metrics;
}

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
ServerMetrics::NewInterceptorFactory() const {
  return std::make_unique<metrics::GrpcMetricsInterceptorFactory>(calls_);
}

}  // namespace miniter::app
