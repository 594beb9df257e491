// connection_settings_from.h: checks MySqlOptions and turns them into the
// settings of one connection; shared by the stores' pool, the start-up
// tasks and the bulk loader.
#ifndef MINITER_SERVER_STORAGE_MYSQL_CONNECTION_SETTINGS_FROM_H_
#define MINITER_SERVER_STORAGE_MYSQL_CONNECTION_SETTINGS_FROM_H_

#include "absl/status/statusor.h"
#include "server/storage/mysql/mysql_storage.h"
#include "server/storage/mysql/pooled_connection.h"

namespace miniter::storage::mysql {

// INVALID_ARGUMENT for a malformed URL, a TLS file (ssl-ca, ssl-cert,
// ssl-key) that cannot be read, non-positive timeouts or timeline options
// out of range.
absl::StatusOr<ConnectionSettings> ConnectionSettingsFrom(
    const MySqlOptions& options);

}  // namespace miniter::storage::mysql

#endif  // MINITER_SERVER_STORAGE_MYSQL_CONNECTION_SETTINGS_FROM_H_
