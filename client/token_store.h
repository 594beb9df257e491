// token_store.h: where the CLI keeps the access token between runs.
//
// The file lives at $XDG_CONFIG_HOME/miniter/token (else
// $HOME/.config/miniter/token), in a 0700 directory with mode 0600, and is
// replaced atomically so a crash never leaves half a token behind. It also
// records which server issued the token, so that a token is never sent to a
// different server than the one it came from.
#ifndef MINITER_CLIENT_TOKEN_STORE_H_
#define MINITER_CLIENT_TOKEN_STORE_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace miniter::client {

// What `miniter login` remembers.
struct StoredToken {
  // The --server address the token came from, exactly as given.
  std::string server;
  std::string access_token;
  // 0 when unknown.
  uint64_t user_id = 0;
  // absl::InfinitePast() when unknown.
  absl::Time expires_at = absl::InfinitePast();
};

// The token file's path from the two environment variables (nullopt = unset).
// A relative or empty XDG_CONFIG_HOME is ignored, as the XDG spec says.
// FAILED_PRECONDITION when neither gives an absolute directory.
absl::StatusOr<std::string> TokenPathFromEnv(
    const std::optional<std::string>& xdg_config_home,
    const std::optional<std::string>& home);

// Reads and writes one token file. Not thread-safe across processes beyond
// what rename() gives: the last writer wins, readers never see a torn file.
class TokenStore {
 public:
  explicit TokenStore(std::string path) : path_(std::move(path)) {}

  const std::string& path() const { return path_; }

  // Writes the token: creates missing directories (mode 0700; the miniter
  // directory itself is tightened to 0700 if it exists), writes a 0600
  // temporary file next to the target, then renames it over the target.
  absl::Status Save(const StoredToken& token) const;

  // NOT_FOUND when there is no file; DATA_LOSS when it holds no token line.
  absl::StatusOr<StoredToken> Load() const;

  // Deletes the file. NOT_FOUND when there was none.
  absl::Status Remove() const;

 private:
  std::string path_;
};

// Which token a command should send.
struct ResolvedToken {
  // Empty when there is none to send.
  std::string access_token;
  // Set when a stored token was ignored; the CLI prints it to stderr.
  std::string warning;
};

// MINITER_TOKEN (`env_token`, when set and not empty) wins. Otherwise the
// stored token is used only if it was issued by `server`: sending a token to
// another server would leak it, so a mismatch yields no token and a warning.
// No stored file is not an error (the server will answer UNAUTHENTICATED if
// the call needs a token). Errors only for an unreadable or corrupt file.
absl::StatusOr<ResolvedToken> ResolveAccessToken(
    const std::optional<std::string>& env_token, const TokenStore& store,
    absl::string_view server);

}  // namespace miniter::client

#endif  // MINITER_CLIENT_TOKEN_STORE_H_
