// database_url_fuzzer.cc: libFuzzer target over the mysql:// URL parser
// (server/storage/mysql/database_url.*), which reads operator input at
// start-up. Invariants of an accepted URL: a user and a database, a port in
// 1..65535, a host unless a socket path (absolute) is given, a database
// name without '/', TLS on exactly when a CA is given (and never over a
// socket), a client certificate only with its key, and a description for the
// logs that is built without touching the password.
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/storage/mysql/database_url.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  using miniter::storage::mysql::DatabaseUrl;
  const absl::string_view input(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<DatabaseUrl> url =
      miniter::storage::mysql::ParseDatabaseUrl(input);
  if (!url.ok()) {
    FUZZ_CHECK(url.status().code() == absl::StatusCode::kInvalidArgument);
    return 0;
  }
  FUZZ_CHECK(!url->user.empty());
  FUZZ_CHECK(!url->database.empty());
  FUZZ_CHECK(url->database.find('/') == std::string::npos);
  FUZZ_CHECK(url->port >= 1 && url->port <= 65535);
  FUZZ_CHECK(!url->host.empty() || !url->socket.empty());
  FUZZ_CHECK(url->socket.empty() || url->socket[0] == '/');
  using miniter::storage::mysql::TlsMode;
  FUZZ_CHECK((url->tls_mode == TlsMode::kVerifyIdentity) ==
             !url->ssl_ca.empty());
  FUZZ_CHECK(url->ssl_ca.empty() || url->socket.empty());
  FUZZ_CHECK(url->ssl_cert.empty() == url->ssl_key.empty());

  // The description must not depend on the password: describe the same URL
  // with a different password and compare.
  DatabaseUrl other = *url;
  other.password = url->password + "#changed";
  FUZZ_CHECK(miniter::storage::mysql::DescribeDatabaseTarget(*url) ==
             miniter::storage::mysql::DescribeDatabaseTarget(other));
  return 0;
}
