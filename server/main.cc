// main.cc: miniter-server: read the settings, start the server, wait for
// SIGINT or SIGTERM (also while starting), shut down gracefully. All the
// work is in server/app/.
#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "server/app/library_logs.h"
#include "server/app/miniter_server.h"
#include "server/app/server_command_line.h"
#include "server/app/server_options.h"
#include "server/app/stop_signals.h"
#include "server/common/build_info.h"
#include "server/common/log.h"

int main(int argc, char** argv) {
  absl::StatusOr<miniter::app::ServerCommandLine> command_line =
      miniter::app::ParseServerCommandLine(
          std::vector<std::string>(argv + 1, argv + argc));
  if (!command_line.ok()) {
    miniter::common::LogLine(miniter::common::LogLevel::kError,
                             command_line.status().message());
    return 2;
  }
  switch (command_line->action) {
    case miniter::app::ServerCommandLine::Action::kHelp:
      std::cout << miniter::app::ServerHelp();
      return 0;
    case miniter::app::ServerCommandLine::Action::kVersion:
      std::cout << miniter::common::VersionLine("miniter-server") << "\n";
      return 0;
    case miniter::app::ServerCommandLine::Action::kServe: break;
  }
  miniter::app::RouteLibraryLogsToLog();
  // First, so that a server that hangs later never leaves an empty log.
  miniter::common::LogLine(
      absl::StrCat("miniter-server starting (pid ", getpid(), ")"));

  // Before any other thread starts (stop_signals.h). Start() gives up its
  // wait for the database when a signal comes, so that a server stopped
  // while its database is away ends at once rather than after the wait.
  miniter::app::StopSignals stop_signals;

  absl::StatusOr<miniter::app::ServerOptions> options =
      miniter::app::ServerOptionsFromSettings(
          command_line->flags, miniter::app::SettingsEnvironment(),
          miniter::common::ResourceLimits::OfThisProcess());
  if (!options.ok()) {
    miniter::common::LogLine(miniter::common::LogLevel::kError,
                             options.status().message());
    return 2;
  }
  absl::StatusOr<std::unique_ptr<miniter::app::MiniterServer>> server =
      miniter::app::MiniterServer::Start(*options, &stop_signals.received());
  if (!server.ok()) {
    if (absl::IsCancelled(server.status()) &&
        stop_signals.received().HasBeenNotified()) {
      miniter::common::LogLine(absl::StrCat(
          "got ", stop_signals.name(),
          " while starting: ", server.status().message(), "; stopped"));
      return 0;
    }
    miniter::common::LogLine(
        miniter::common::LogLevel::kError,
        absl::StrCat("cannot start: ", server.status().ToString()));
    return 1;
  }
  miniter::common::LogLine(absl::StrCat(
      "serving miniter.v1.Miniter on ", options->listen_address, " (port ",
      (*server)->port(), ", ",
      options->tls_cert_file.empty() ? "plaintext" : "TLS", "), database ",
      (*server)->database_target(), ", memory tier ",
      options->redis_url.empty() ? "none" : options->redis_url));

  stop_signals.received().WaitForNotification();
  miniter::common::LogLine(absl::StrCat(
      "got ", stop_signals.name(), ": readiness NOT_SERVING, serving on for ",
      absl::FormatDuration(options->drain_delay),
      " (drain delay), then finishing in-flight calls (up to ",
      absl::FormatDuration(options->shutdown_grace), ")"));
  (*server)->Shutdown();
  miniter::common::LogLine("stopped");
  return 0;
}
