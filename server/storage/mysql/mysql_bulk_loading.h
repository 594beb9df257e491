// mysql_bulk_loading.h: the entry point to bulk loading generated data
// sets into MariaDB (the benchmark's), in a library of its own
// (miniter_storage_mysql_bulk) that only the tools and tests link: the
// server never loads in bulk.
#ifndef MINITER_SERVER_STORAGE_MYSQL_MYSQL_BULK_LOADING_H_
#define MINITER_SERVER_STORAGE_MYSQL_MYSQL_BULK_LOADING_H_

#include <memory>

#include "absl/status/statusor.h"
#include "server/storage/bulk_loader.h"
#include "server/storage/mysql/mysql_storage.h"

namespace miniter::storage {

// A loader for generated data sets (the benchmark's), on a connection of
// its own that skips unique and foreign-key checks while loading (callers
// promise consistent data: see BulkLoader). Connects lazily like
// OpenMySqlStorage. INVALID_ARGUMENT for a malformed URL or options.
absl::StatusOr<std::unique_ptr<BulkLoader>> OpenMySqlBulkLoader(
    const MySqlOptions& options);

}  // namespace miniter::storage

#endif  // MINITER_SERVER_STORAGE_MYSQL_MYSQL_BULK_LOADING_H_
