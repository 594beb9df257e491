// server_settings.h: the table of miniter-server's settings. Each setting is
// written here once: its flag, its environment variable, its default, its
// help and how its value goes into ServerOptions. Reading them
// (server_options.h), --help (server_command_line.h) and the README's
// configuration table (checked by tests/unit/readme_settings_test.cc) all
// come from this table.
#ifndef MINITER_SERVER_APP_SERVER_SETTINGS_H_
#define MINITER_SERVER_APP_SERVER_SETTINGS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "server/app/server_options.h"

namespace miniter::app {

// ServerOptions while the settings are being read, with what is finished
// only once all of them are known (server_options.cc): the secret files
// are read only when no secret was given directly, and the password
// hashing is sized against the process's limits.
struct SettingsDraft {
  ServerOptions options;
  std::string database_url_file;
  // --token_secret as given: one secret or a comma-separated list.
  std::string token_secrets;
  std::string token_secret_file;
  // --password_hash_memory in bytes; nullopt: auto.
  std::optional<std::uint64_t> password_hash_memory;
};

// One setting of miniter-server.
struct ServerSetting {
  // The flag without its dashes, e.g. "listen".
  absl::string_view name;
  // The environment variable read when the flag is not given.
  absl::string_view env;
  // Taken when neither is given, and parsed like a given value; empty when
  // the setting has no default value (then `no_default` says what that
  // means).
  absl::string_view default_value;
  // What leaving a setting without default value unset means, as --help
  // and the README show it: "required", "none", "4 × pool_size".
  absl::string_view no_default;
  // One paragraph for --help.
  absl::string_view help;
  // Whether an empty value (--metrics_listen=, or the variable set but
  // empty) is a value of its own ("off"). For every other setting an empty
  // flag or variable counts as not given.
  bool empty_is_a_value;
  // Checks `value` and stores it in `draft`; INVALID_ARGUMENT says what is
  // wrong with it (the caller adds the setting's names).
  absl::Status (*apply)(const std::string& value, SettingsDraft& draft);

  // The default as --help shows it: the value, or "(required)" and the like.
  std::string DefaultForHelp() const;
};

// Every setting, in the order of --help and of the README's table.
const std::vector<ServerSetting>& ServerSettings();

}  // namespace miniter::app

#endif  // MINITER_SERVER_APP_SERVER_SETTINGS_H_
