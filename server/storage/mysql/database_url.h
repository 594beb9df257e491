// database_url.h: parses the mysql:// URL that tells the server where its
// database is, kept apart from the driver so it is testable on its own.
#ifndef MINITER_SERVER_STORAGE_MYSQL_DATABASE_URL_H_
#define MINITER_SERVER_STORAGE_MYSQL_DATABASE_URL_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace miniter::storage::mysql {

// The parts of mysql://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?socket=/path].
struct DatabaseUrl {
  std::string user;
  std::string password;
  // Without brackets for IPv6 ("::1"). Empty only when `socket` is set.
  std::string host;
  int port = 3306;
  // Unix socket path; when set, the host and port are ignored.
  std::string socket;
  std::string database;
};

// USER, PASSWORD, DATABASE and the socket path may be percent-encoded (a
// password containing '@', ':', '/' or '?' must be). HOST may be an IPv6
// address in brackets. INVALID_ARGUMENT with a message naming what is wrong;
// messages never repeat the URL or the password.
absl::StatusOr<DatabaseUrl> ParseDatabaseUrl(absl::string_view url);

// "host:port/database" or "socket /path/database": for logs, no password.
std::string DescribeDatabaseTarget(const DatabaseUrl& url);

}  // namespace miniter::storage::mysql

#endif  // MINITER_SERVER_STORAGE_MYSQL_DATABASE_URL_H_
