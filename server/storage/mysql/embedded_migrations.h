// embedded_migrations.h: the text of sql/migrations/*.sql, compiled into the
// library by CMake (see CMakeLists.txt here) so the server needs no files.
#ifndef MINITER_SERVER_STORAGE_MYSQL_EMBEDDED_MIGRATIONS_H_
#define MINITER_SERVER_STORAGE_MYSQL_EMBEDDED_MIGRATIONS_H_

#include <cstddef>

namespace miniter::storage::mysql {

struct EmbeddedMigration {
  int version;       // from the NNNN_ prefix of the file name
  const char* name;  // the file name, e.g. "0001_initial.sql"
  const char* sql;   // the whole file
};

// In increasing version order (CMake checks this when it generates them).
extern const EmbeddedMigration kEmbeddedMigrations[];
extern const std::size_t kEmbeddedMigrationCount;

}  // namespace miniter::storage::mysql

#endif  // MINITER_SERVER_STORAGE_MYSQL_EMBEDDED_MIGRATIONS_H_
