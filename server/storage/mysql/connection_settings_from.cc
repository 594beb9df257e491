// connection_settings_from.cc: see the header.
#include "server/storage/mysql/connection_settings_from.h"

#include <unistd.h>

#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "server/storage/mysql/database_url.h"

namespace miniter::storage::mysql {
namespace {

// A missing or unreadable TLS file is a configuration mistake: caught here,
// at start, it is INVALID_ARGUMENT naming the parameter, instead of every
// connection attempt failing later as "database unavailable".
absl::Status CheckReadable(const std::string& path, absl::string_view name) {
  if (path.empty() || access(path.c_str(), R_OK) == 0) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      "database URL: the ", name, "= file ", path, " cannot be read"));
}

}  // namespace

absl::StatusOr<ConnectionSettings> ConnectionSettingsFrom(
    const MySqlOptions& options) {
  absl::StatusOr<DatabaseUrl> url = ParseDatabaseUrl(options.database_url);
  if (!url.ok()) return url.status();
  for (const auto& [path, name] : {std::pair(&url->ssl_ca, "ssl-ca"),
                                   std::pair(&url->ssl_cert, "ssl-cert"),
                                   std::pair(&url->ssl_key, "ssl-key")}) {
    if (absl::Status status = CheckReadable(*path, name); !status.ok()) {
      return status;
    }
  }
  if (options.connect_timeout <= absl::ZeroDuration() ||
      options.io_timeout <= absl::ZeroDuration() ||
      options.acquire_timeout < absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        "database timeouts must be positive durations");
  }
  const TimelineOptions& timeline = options.timeline;
  if (timeline.fanout_threshold < 1 || timeline.retention < 1 ||
      timeline.follow_backfill_depth < 0 || timeline.trim_one_in < 1 ||
      timeline.bulk_load_depth < 1 ||
      timeline.merged_cache_ids_per_author < 0 ||
      timeline.merged_cache_max_authors < 1 ||
      timeline.merged_cache_staleness < absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        "timeline options: fanout_threshold, retention, trim_one_in, "
        "bulk_load_depth and merged_cache_max_authors must be at least 1, "
        "follow_backfill_depth and merged_cache_ids_per_author at least 0, "
        "merged_cache_staleness not negative");
  }
  ConnectionSettings settings;
  settings.url = *std::move(url);
  settings.connect_timeout = options.connect_timeout;
  settings.io_timeout = options.io_timeout;
  return settings;
}

}  // namespace miniter::storage::mysql
