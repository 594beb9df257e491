// database_url.h: parses the mysql:// URL that tells the server where its
// database is, kept apart from the driver so it is testable on its own.
#ifndef MINITER_SERVER_STORAGE_MYSQL_DATABASE_URL_H_
#define MINITER_SERVER_STORAGE_MYSQL_DATABASE_URL_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace miniter::storage::mysql {

// How a TCP session to the database is protected (?ssl-mode=).
enum class TlsMode {
  // Plaintext: no ssl-* parameter given, or ssl-mode=disabled.
  kDisabled,
  // TLS with the server verified: its certificate chain against ssl-ca and
  // its subjectAltName against the URL's HOST. A server that offers no TLS
  // is refused, never used in plaintext.
  kVerifyIdentity,
};

// The parts of mysql://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?PARAMS], where
// PARAMS are socket=/path, or ssl-ca=/ca.pem[&ssl-mode=verify-identity]
// [&ssl-cert=/client.pem&ssl-key=/client.key], joined by '&'.
struct DatabaseUrl {
  std::string user;
  std::string password;
  // Without brackets for IPv6 ("::1"). Empty only when `socket` is set.
  std::string host;
  int port = 3306;
  // Unix socket path; when set, the host and port are ignored.
  std::string socket;
  std::string database;
  // kVerifyIdentity whenever ssl_ca is set; then the paths below are
  // absolute. ssl_cert and ssl_key (a client certificate, for servers whose
  // users REQUIRE X509) are both set or both empty.
  TlsMode tls_mode = TlsMode::kDisabled;
  std::string ssl_ca;
  std::string ssl_cert;
  std::string ssl_key;
};

// USER, PASSWORD, DATABASE and the paths may be percent-encoded (a password
// containing '@', ':', '/' or '?' must be). HOST may be an IPv6 address in
// brackets. INVALID_ARGUMENT with a message naming what is wrong (an unknown
// or repeated parameter, ssl-mode=verify-identity without ssl-ca, ssl-cert
// without ssl-key, TLS over a Unix socket, ...); messages never repeat the
// URL or the password. Whether the files exist is not checked here.
absl::StatusOr<DatabaseUrl> ParseDatabaseUrl(absl::string_view url);

// "host:port/database" (with " tls=verify-identity" when TLS is on) or
// "socket /path/database": for logs, no password.
std::string DescribeDatabaseTarget(const DatabaseUrl& url);

}  // namespace miniter::storage::mysql

#endif  // MINITER_SERVER_STORAGE_MYSQL_DATABASE_URL_H_
