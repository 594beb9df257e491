// call_record.cc: the call log's JSON line (see the header).
#include "server/api/call_record.h"

#include <cmath>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"

namespace miniter::api {
namespace {

std::string_view View(absl::string_view text) {
  return std::string_view(text.data(), text.size());
}

}  // namespace

common::LogLevel CallLogLevel(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK: return common::LogLevel::kInfo;
    case grpc::StatusCode::UNKNOWN:
    case grpc::StatusCode::INTERNAL:
    case grpc::StatusCode::DATA_LOSS:
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
    case grpc::StatusCode::UNIMPLEMENTED: return common::LogLevel::kError;
    default: return common::LogLevel::kWarning;
  }
}

std::string StatusCodeName(grpc::StatusCode code) {
  // absl and gRPC share code numbers and names.
  std::string name =
      absl::StatusCodeToString(static_cast<absl::StatusCode>(code));
  return name.empty() ? absl::StrCat(static_cast<int>(code)) : name;
}

std::string FormatCallRecord(const CallRecord& record) {
  nlohmann::ordered_json line;
  line["time"] = common::LogTime(record.end);
  line["level"] = View(common::LogLevelName(CallLogLevel(record.code)));
  line["msg"] = "call";
  line["method"] = View(record.method);
  line["code"] = StatusCodeName(record.code);
  line["latency_ms"] =
      std::round(absl::ToDoubleMicroseconds(record.latency)) / 1000.0;
  line["peer"] = record.peer;
  if (record.user_id.has_value()) line["user_id"] = *record.user_id;
  if (!record.request_id.empty()) line["request_id"] = record.request_id;
  if (record.trace.has_value()) {
    line["trace_id"] = record.trace->trace_id;
    line["parent_id"] = record.trace->parent_id;
  }
  return line.dump(-1, ' ', false,
                   nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace miniter::api
