// connection_settings_from.cc: see the header.
#include "server/storage/mysql/connection_settings_from.h"

#include <utility>

#include "absl/status/status.h"
#include "server/storage/mysql/database_url.h"

namespace miniter::storage::mysql {

absl::StatusOr<ConnectionSettings> ConnectionSettingsFrom(
    const MySqlOptions& options) {
  absl::StatusOr<DatabaseUrl> url =
      ParseDatabaseUrl(options.database_url);
  if (!url.ok()) return url.status();
  if (options.connect_timeout <= absl::ZeroDuration() ||
      options.io_timeout <= absl::ZeroDuration() ||
      options.acquire_timeout < absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        "database timeouts must be positive durations");
  }
  const TimelineOptions& timeline = options.timeline;
  if (timeline.fanout_threshold < 1 || timeline.retention < 1 ||
      timeline.follow_backfill_depth < 0 || timeline.trim_one_in < 1 ||
      timeline.bulk_load_depth < 1 || timeline.merged_cache_ids_per_author < 0 ||
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
