// status_conversion.cc: grpc::Status → absl::Status.
#include "client/status_conversion.h"

namespace miniter::client {

absl::Status FromGrpcStatus(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                      status.error_message());
}

}  // namespace miniter::client
