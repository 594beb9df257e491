// library_logs.cc: log handlers for gRPC (gpr_log) and protobuf.
#include "server/app/library_logs.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "google/protobuf/stubs/logging.h"
#include "grpc/support/log.h"
#include "server/common/log.h"

namespace miniter::app {
namespace {

void FromGrpc(gpr_log_func_args* args) {
  const common::LogLevel level = args->severity == GPR_LOG_SEVERITY_ERROR
                                     ? common::LogLevel::kError
                                     : common::LogLevel::kInfo;
  common::LogLine(level, absl::StrCat("grpc: ", args->message, " (", args->file,
                                      ":", args->line, ")"));
}

void FromProtobuf(google::protobuf::LogLevel severity, const char* file,
                  int line, const std::string& message) {
  common::LogLevel level = common::LogLevel::kInfo;
  if (severity == google::protobuf::LOGLEVEL_WARNING) {
    level = common::LogLevel::kWarning;
  } else if (severity >= google::protobuf::LOGLEVEL_ERROR) {
    level = common::LogLevel::kError;
  }
  common::LogLine(
      level, absl::StrCat("protobuf: ", message, " (", file, ":", line, ")"));
}

}  // namespace

void RouteLibraryLogsToLog() {
  gpr_set_log_function(FromGrpc);
  google::protobuf::SetLogHandler(FromProtobuf);
}

}  // namespace miniter::app
