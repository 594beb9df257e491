// server_options.cc: reading the settings of server_settings.h into
// ServerOptions: each from its flag, else its environment variable, else
// its default; then what spans settings (TLS pair, secrets and their
// files, password hashing sized against the process's limits).
#include "server/app/server_options.h"

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "server/app/server_settings.h"
#include "server/common/byte_size.h"
#include "server/rules/key_ring.h"

namespace miniter::app {
namespace {

// The value `setting` takes, and where it came from (for errors); nullopt
// when it has none (neither given nor with a default value).
struct Resolved {
  std::string value;
  const char* source;
};

std::optional<Resolved> Resolve(const ServerSetting& setting,
                                const SettingValues& flags,
                                const SettingValues& environment) {
  if (auto flag = flags.find(setting.name);
      flag != flags.end() &&
      (setting.empty_is_a_value || !flag->second.empty())) {
    return Resolved{flag->second, "from the flag"};
  }
  if (auto env = environment.find(setting.env);
      env != environment.end() &&
      (setting.empty_is_a_value || !env->second.empty())) {
    return Resolved{env->second, "from the environment"};
  }
  if (!setting.default_value.empty()) {
    return Resolved{std::string(setting.default_value), "the default"};
  }
  return std::nullopt;
}

// The file's contents without trailing white space; `what` names it in
// the error.
absl::StatusOr<std::string> ReadSecretFile(const std::string& path,
                                           absl::string_view what) {
  std::ifstream file(path);
  if (!file) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot read ", what, " file ", path));
  }
  std::stringstream contents;
  contents << file.rdbuf();
  return std::string(absl::StripTrailingAsciiWhitespace(contents.str()));
}

// --password_hash_memory=auto takes this share of the process's memory:
// the rest is for gRPC's buffers, the caches and the database connections.
constexpr int kAutoHashMemoryShare = 4;

// Sizes options->password_hashing.max_concurrent from the budget
// (nullopt: auto) and `limits`.
absl::Status SizePasswordHashing(std::optional<std::uint64_t> budget_bytes,
                                 const common::ResourceLimits& limits,
                                 ServerOptions* options) {
  std::uint64_t budget = 0;
  std::string budget_source;
  if (!budget_bytes.has_value()) {
    absl::StatusOr<common::ResourceLimits::Memory> memory =
        limits.MemoryLimit();
    if (!memory.ok()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "password_hash_memory=auto: ", memory.status().message(),
          "; set --password_hash_memory to a size such as 256MiB"));
    }
    budget = memory->bytes / kAutoHashMemoryShare;
    budget_source = absl::StrCat("1/", kAutoHashMemoryShare, " of ",
                                 common::FormatByteSize(memory->bytes), " (",
                                 memory->source, ")");
  } else {
    budget = *budget_bytes;
    budget_source = "--password_hash_memory";
  }
  absl::StatusOr<common::ResourceLimits::Cpus> cpus = limits.CpuLimit();
  if (!cpus.ok()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "cannot size password hashing: ", cpus.status().message()));
  }
  rules::PasswordHasherOptions& hashing = options->password_hashing;
  hashing.max_concurrent = rules::ConcurrentHashesWithin(
      budget, hashing.mem_limit_bytes, cpus->count);
  options->password_hashing_sizing = absl::StrCat(
      "memory budget ", common::FormatByteSize(budget), " = ", budget_source,
      ", ", cpus->count, " CPUs (", cpus->source, ")");
  return absl::OkStatus();
}

}  // namespace

SettingValues SettingsEnvironment() {
  SettingValues environment;
  for (const ServerSetting& setting : ServerSettings()) {
    const std::string name(setting.env);
    if (const char* value = std::getenv(name.c_str()); value != nullptr) {
      environment.emplace(name, value);
    }
  }
  return environment;
}

absl::StatusOr<ServerOptions> ServerOptionsFromSettings(
    const SettingValues& flags, const SettingValues& environment,
    const common::ResourceLimits& limits) {
  SettingsDraft draft;
  for (const ServerSetting& setting : ServerSettings()) {
    std::optional<Resolved> resolved = Resolve(setting, flags, environment);
    if (!resolved.has_value()) continue;
    absl::Status applied = setting.apply(resolved->value, draft);
    if (!applied.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--", setting.name, " / ", setting.env, " (",
                       resolved->source, "): ", applied.message()));
    }
  }
  ServerOptions& options = draft.options;

  if (options.tls_cert_file.empty() != options.tls_key_file.empty()) {
    return absl::InvalidArgumentError(
        "TLS needs both --tls_cert_file and --tls_key_file (or "
        "MINITER_TLS_CERT_FILE and MINITER_TLS_KEY_FILE), or neither");
  }

  if (options.database.database_url.empty() &&
      !draft.database_url_file.empty()) {
    absl::StatusOr<std::string> url =
        ReadSecretFile(draft.database_url_file, "database URL");
    if (!url.ok()) return url.status();
    options.database.database_url = *std::move(url);
  }
  if (options.database.database_url.empty()) {
    return absl::InvalidArgumentError(
        "no database configured: pass --database_url or "
        "--database_url_file, or set MINITER_DATABASE_URL or "
        "MINITER_DATABASE_URL_FILE (scripts/run.sh starts a private MariaDB "
        "for you)");
  }

  if (draft.token_secrets.empty() && !draft.token_secret_file.empty()) {
    absl::StatusOr<std::string> text =
        ReadSecretFile(draft.token_secret_file, "token secret");
    if (!text.ok()) return text.status();
    draft.token_secrets = *std::move(text);
  }
  // Lengths, count and duplicates are checked where the keys are made
  // (rules::KeyRing::Create, at server start).
  options.token_secrets = rules::KeyRing::SplitList(draft.token_secrets);
  if (options.token_secrets.empty()) {
    return absl::InvalidArgumentError(
        "no token secret configured: set MINITER_TOKEN_SECRET (at least 32 "
        "bytes, e.g. `openssl rand -hex 32`) or MINITER_TOKEN_SECRET_FILE, "
        "or pass --token_secret_file");
  }

  absl::Status hashing =
      SizePasswordHashing(draft.password_hash_memory, limits, &options);
  if (!hashing.ok()) return hashing;
  return std::move(options);
}

}  // namespace miniter::app
