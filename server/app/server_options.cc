// server_options.cc: the server's flags and their environment fallbacks.
//
// Flags default to empty/zero, meaning "not given"; then the MINITER_*
// variable is read, then the built-in default applies. Reading the
// environment late (not as the flag's default) keeps secrets out of
// --help output.
#include "server/app/server_options.h"

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

ABSL_FLAG(std::string, listen, "",
          "Address to serve on. Env MINITER_LISTEN; default 127.0.0.1:50051.");
ABSL_FLAG(std::string, tls_cert_file, "",
          "PEM certificate chain; with --tls_key_file the port serves TLS "
          "only. Env MINITER_TLS_CERT_FILE; default: plaintext.");
ABSL_FLAG(std::string, tls_key_file, "",
          "PEM private key for --tls_cert_file. Env MINITER_TLS_KEY_FILE.");
ABSL_FLAG(std::string, database_url, "",
          "mysql://USER:PASSWORD@HOST:PORT/DATABASE[?socket=PATH]. Env "
          "MINITER_DATABASE_URL; required.");
ABSL_FLAG(int, pool_size, 0,
          "Database connections kept open at most. Env MINITER_POOL_SIZE; "
          "default 16.");
ABSL_FLAG(std::string, token_secret, "",
          "HMAC key for access tokens, at least 32 bytes. Prefer env "
          "MINITER_TOKEN_SECRET or --token_secret_file (a flag shows in ps).");
ABSL_FLAG(std::string, token_secret_file, "",
          "File holding the token secret. Env MINITER_TOKEN_SECRET_FILE.");
ABSL_FLAG(std::string, token_lifetime, "",
          "How long an access token stays valid, e.g. 24h, 90m. Env "
          "MINITER_TOKEN_LIFETIME; default 24h.");
ABSL_FLAG(std::string, shutdown_grace, "",
          "How long in-flight calls may finish after SIGTERM. Env "
          "MINITER_SHUTDOWN_GRACE; default 10s.");

namespace miniter::app {
namespace {

std::string FlagOrEnv(const absl::Flag<std::string>& flag,
                      const char* env_name) {
  std::string value = absl::GetFlag(flag);
  if (!value.empty()) return value;
  const char* env = std::getenv(env_name);
  return env == nullptr ? std::string() : std::string(env);
}

absl::Status ParseDurationSetting(const std::string& text, const char* name,
                                  absl::Duration* out) {
  if (text.empty()) return absl::OkStatus();
  if (!absl::ParseDuration(text, out) || *out <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(absl::StrCat(
        name, " must be a positive duration like 30s or 24h, not \"", text,
        "\""));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ReadSecretFile(const std::string& path) {
  std::ifstream file(path);
  if (!file) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot read token secret file ", path));
  }
  std::stringstream contents;
  contents << file.rdbuf();
  return std::string(absl::StripTrailingAsciiWhitespace(contents.str()));
}

}  // namespace

absl::StatusOr<ServerOptions> ServerOptionsFromFlags() {
  ServerOptions options;
  if (std::string listen = FlagOrEnv(FLAGS_listen, "MINITER_LISTEN");
      !listen.empty()) {
    options.listen_address = listen;
  }

  options.tls_cert_file = FlagOrEnv(FLAGS_tls_cert_file, "MINITER_TLS_CERT_FILE");
  options.tls_key_file = FlagOrEnv(FLAGS_tls_key_file, "MINITER_TLS_KEY_FILE");
  if (options.tls_cert_file.empty() != options.tls_key_file.empty()) {
    return absl::InvalidArgumentError(
        "TLS needs both --tls_cert_file and --tls_key_file (or neither)");
  }

  options.database.database_url =
      FlagOrEnv(FLAGS_database_url, "MINITER_DATABASE_URL");
  if (options.database.database_url.empty()) {
    return absl::InvalidArgumentError(
        "no database configured: pass --database_url or set "
        "MINITER_DATABASE_URL (scripts/run.sh starts a private MariaDB "
        "for you)");
  }

  int pool_size = absl::GetFlag(FLAGS_pool_size);
  if (pool_size == 0) {
    if (const char* env = std::getenv("MINITER_POOL_SIZE"); env != nullptr) {
      if (!absl::SimpleAtoi(env, &pool_size)) pool_size = -1;
    }
  }
  if (pool_size < 0 || pool_size > 1000) {
    return absl::InvalidArgumentError("pool_size must be between 1 and 1000");
  }
  if (pool_size > 0) options.database.pool_size = pool_size;

  options.token_secret = FlagOrEnv(FLAGS_token_secret, "MINITER_TOKEN_SECRET");
  if (options.token_secret.empty()) {
    const std::string path =
        FlagOrEnv(FLAGS_token_secret_file, "MINITER_TOKEN_SECRET_FILE");
    if (!path.empty()) {
      absl::StatusOr<std::string> secret = ReadSecretFile(path);
      if (!secret.ok()) return secret.status();
      options.token_secret = *std::move(secret);
    }
  }
  if (options.token_secret.empty()) {
    return absl::InvalidArgumentError(
        "no token secret configured: set MINITER_TOKEN_SECRET (at least 32 "
        "bytes, e.g. `openssl rand -hex 32`) or --token_secret_file");
  }

  absl::Status lifetime = ParseDurationSetting(
      FlagOrEnv(FLAGS_token_lifetime, "MINITER_TOKEN_LIFETIME"),
      "token_lifetime", &options.token_lifetime);
  if (!lifetime.ok()) return lifetime;
  absl::Status grace = ParseDurationSetting(
      FlagOrEnv(FLAGS_shutdown_grace, "MINITER_SHUTDOWN_GRACE"),
      "shutdown_grace", &options.shutdown_grace);
  if (!grace.ok()) return grace;

  // One Argon2 hash per core keeps hashing from starving other calls.
  options.password_hashing.max_concurrent =
      std::max(1u, std::thread::hardware_concurrency());
  return options;
}

}  // namespace miniter::app
