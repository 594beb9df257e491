// main.cc: miniter-server: parse flags, start the server, wait for SIGINT or
// SIGTERM, shut down gracefully. All the work is in server/app/.
#include <csignal>
#include <cstdlib>

#include <unistd.h>

#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "server/common/log.h"
#include "server/app/library_logs.h"
#include "server/app/miniter_server.h"
#include "server/app/server_options.h"

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "miniter-server: the miniter gRPC service.\n"
      "Every flag falls back to a MINITER_* environment variable; see "
      "README.md.");
  absl::ParseCommandLine(argc, argv);
  miniter::app::RouteLibraryLogsToLog();
  // First, so that a server that hangs later never leaves an empty log.
  miniter::common::LogLine(
      absl::StrCat("miniter-server starting (pid ", getpid(), ")"));

  // Block the stop signals in every thread (gRPC's included, which inherit
  // this mask) so that sigwait below is the only place they are handled.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  absl::StatusOr<miniter::app::ServerOptions> options =
      miniter::app::ServerOptionsFromFlags();
  if (!options.ok()) {
    miniter::common::LogLine(miniter::common::LogLevel::kError,
                             options.status().message());
    return 2;
  }
  absl::StatusOr<std::unique_ptr<miniter::app::MiniterServer>> server =
      miniter::app::MiniterServer::Start(*options);
  if (!server.ok()) {
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

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  miniter::common::LogLine(absl::StrCat(
      "got ", signal_number == SIGINT ? "SIGINT" : "SIGTERM",
      ": health NOT_SERVING, finishing in-flight calls (up to ",
      absl::FormatDuration(options->shutdown_grace), ")"));
  (*server)->Shutdown();
  miniter::common::LogLine("stopped");
  return 0;
}
