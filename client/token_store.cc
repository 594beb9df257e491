// token_store.cc: the token file — path, atomic 0600 write, parse, delete.
#include "client/token_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <utility>
#include <vector>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace miniter::client {
namespace {

constexpr char kRelativePath[] = "miniter/token";

absl::Status ErrnoStatus(int error, absl::string_view what) {
  return absl::ErrnoToStatus(error, what);
}

std::string Dirname(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

// mkdir -p with mode 0700 for everything it creates: a config directory
// someone else can list is the first step to a leaked token.
absl::Status MakeDirectories(const std::string& dir) {
  struct stat st;
  if (stat(dir.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) return absl::OkStatus();
    return absl::FailedPreconditionError(
        absl::StrCat(dir, " exists and is not a directory"));
  }
  if (errno != ENOENT) return ErrnoStatus(errno, absl::StrCat("stat ", dir));
  std::string parent = Dirname(dir);
  if (parent != dir) {
    if (absl::Status s = MakeDirectories(parent); !s.ok()) return s;
  }
  if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return ErrnoStatus(errno, absl::StrCat("mkdir ", dir));
  }
  return absl::OkStatus();
}

bool WriteAll(int fd, absl::string_view data) {
  while (!data.empty()) {
    ssize_t n = write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

std::string Serialize(const StoredToken& token) {
  std::string out =
      "# miniter access token: a secret, written by `miniter login`.\n";
  absl::StrAppend(&out, "server=", token.server, "\n");
  if (token.user_id != 0) {
    absl::StrAppend(&out, "user_id=", token.user_id, "\n");
  }
  if (token.expires_at != absl::InfinitePast()) {
    absl::StrAppend(&out, "expires_at=",
                    absl::FormatTime(absl::RFC3339_sec, token.expires_at,
                                     absl::UTCTimeZone()),
                    "\n");
  }
  absl::StrAppend(&out, "token=", token.access_token, "\n");
  return out;
}

}  // namespace

absl::StatusOr<std::string> TokenPathFromEnv(
    const std::optional<std::string>& xdg_config_home,
    const std::optional<std::string>& home) {
  if (xdg_config_home.has_value() && !xdg_config_home->empty() &&
      (*xdg_config_home)[0] == '/') {
    return absl::StrCat(absl::StripSuffix(*xdg_config_home, "/"), "/",
                        kRelativePath);
  }
  if (home.has_value() && !home->empty() && (*home)[0] == '/') {
    return absl::StrCat(absl::StripSuffix(*home, "/"), "/.config/",
                        kRelativePath);
  }
  return absl::FailedPreconditionError(
      "cannot find a place for the token: set HOME or XDG_CONFIG_HOME to an "
      "absolute path");
}

absl::Status TokenStore::Save(const StoredToken& token) const {
  const std::string dir = Dirname(path_);
  if (absl::Status s = MakeDirectories(dir); !s.ok()) return s;
  // The directory may predate us with looser permissions; it is ours
  // (".../miniter"), so tighten it.
  if (chmod(dir.c_str(), 0700) != 0) {
    return ErrnoStatus(errno, absl::StrCat("chmod ", dir));
  }

  // mkstemp creates the file 0600 before a single byte is written, so the
  // token is never readable by others, not even briefly.
  std::string temp = absl::StrCat(path_, ".tmp.XXXXXX");
  std::vector<char> temp_buf(temp.begin(), temp.end());
  temp_buf.push_back('\0');
  int fd = mkstemp(temp_buf.data());
  if (fd < 0) return ErrnoStatus(errno, absl::StrCat("create ", temp));
  temp.assign(temp_buf.data());
  bool renamed = false;
  absl::Cleanup remove_temp = [&] {
    if (!renamed) unlink(temp.c_str());
  };

  const std::string contents = Serialize(token);
  if (fchmod(fd, 0600) != 0 || !WriteAll(fd, contents) || fsync(fd) != 0) {
    int error = errno;
    close(fd);
    return ErrnoStatus(error, absl::StrCat("write ", temp));
  }
  if (close(fd) != 0) return ErrnoStatus(errno, absl::StrCat("close ", temp));
  if (rename(temp.c_str(), path_.c_str()) != 0) {
    return ErrnoStatus(errno, absl::StrCat("rename ", temp, " to ", path_));
  }
  renamed = true;
  return absl::OkStatus();
}

absl::StatusOr<StoredToken> TokenStore::Load() const {
  // POSIX calls rather than ifstream: errno is only reliable from them, and
  // the message should say why the file could not be read.
  int fd = open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) {
      return absl::NotFoundError(absl::StrCat("no token at ", path_));
    }
    return ErrnoStatus(errno, absl::StrCat("open ", path_));
  }
  absl::Cleanup close_fd = [fd] { close(fd); };
  std::string contents;
  char buffer[4096];
  for (;;) {
    ssize_t n = read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoStatus(errno, absl::StrCat("read ", path_));
    if (n == 0) break;
    contents.append(buffer, static_cast<size_t>(n));
  }

  StoredToken token;
  for (absl::string_view line : absl::StrSplit(contents, '\n')) {
    absl::string_view view = absl::StripTrailingAsciiWhitespace(line);
    if (view.empty() || view[0] == '#') continue;
    std::pair<absl::string_view, absl::string_view> kv =
        absl::StrSplit(view, absl::MaxSplits('=', 1));
    // Unknown keys are skipped so that a newer CLI's file still loads.
    if (kv.first == "server") {
      token.server = std::string(kv.second);
    } else if (kv.first == "token") {
      token.access_token = std::string(kv.second);
    } else if (kv.first == "user_id") {
      if (!absl::SimpleAtoi(kv.second, &token.user_id)) token.user_id = 0;
    } else if (kv.first == "expires_at") {
      std::string error;
      if (!absl::ParseTime(absl::RFC3339_full, kv.second, &token.expires_at,
                           &error)) {
        token.expires_at = absl::InfinitePast();
      }
    }
  }
  if (token.access_token.empty()) {
    return absl::DataLossError(absl::StrCat(
        path_, " holds no token; run `miniter logout` and log in again"));
  }
  return token;
}

absl::Status TokenStore::Remove() const {
  if (unlink(path_.c_str()) != 0) {
    if (errno == ENOENT) {
      return absl::NotFoundError(absl::StrCat("no token at ", path_));
    }
    return ErrnoStatus(errno, absl::StrCat("delete ", path_));
  }
  return absl::OkStatus();
}

absl::StatusOr<ResolvedToken> ResolveAccessToken(
    const std::optional<std::string>& env_token, const TokenStore& store,
    absl::string_view server) {
  ResolvedToken resolved;
  if (env_token.has_value() && !env_token->empty()) {
    resolved.access_token = *env_token;
    return resolved;
  }
  absl::StatusOr<StoredToken> stored = store.Load();
  if (absl::IsNotFound(stored.status())) return resolved;
  if (!stored.ok()) return stored.status();
  if (stored->server != server) {
    resolved.warning = absl::StrCat(
        "the saved token was issued by ", stored->server, ", not ", server,
        "; not sending it (log in to ", server, " or set MINITER_TOKEN)");
    return resolved;
  }
  resolved.access_token = std::move(stored->access_token);
  return resolved;
}

}  // namespace miniter::client
