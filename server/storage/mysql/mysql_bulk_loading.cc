// mysql_bulk_loading.cc: see the header.
#include "server/storage/mysql/mysql_bulk_loading.h"

#include <algorithm>
#include <utility>

#include "server/storage/mysql/connection_settings_from.h"
#include "server/storage/mysql/mysql_bulk_loader.h"

namespace miniter::storage {
namespace {

// FinishLoad's set-based statements run for minutes on large data sets.
constexpr absl::Duration kBulkLoadIoTimeout = absl::Minutes(30);

}  // namespace

absl::StatusOr<std::unique_ptr<BulkLoader>> OpenMySqlBulkLoader(
    const MySqlOptions& options) {
  absl::StatusOr<mysql::ConnectionSettings> settings =
      mysql::ConnectionSettingsFrom(options);
  if (!settings.ok()) return settings.status();
  settings->io_timeout = std::max(settings->io_timeout, kBulkLoadIoTimeout);
  return std::unique_ptr<BulkLoader>(
      std::make_unique<mysql::MySqlBulkLoader>(*settings, options.timeline));
}

}  // namespace miniter::storage
