// status_conversion.h: grpc::Status → absl::Status, so client code deals in
// one error type.
#ifndef MINITER_CLIENT_STATUS_CONVERSION_H_
#define MINITER_CLIENT_STATUS_CONVERSION_H_

#include "absl/status/status.h"
#include "grpcpp/support/status.h"

namespace miniter::client {

// Same code (the numbers are equal by design), the server's message kept as
// is, so callers can show users exactly what the server said.
absl::Status FromGrpcStatus(const grpc::Status& status);

}  // namespace miniter::client

#endif  // MINITER_CLIENT_STATUS_CONVERSION_H_
