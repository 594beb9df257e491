// exit_codes_test.cc: failures map to the documented exit statuses and
// error lines, and gRPC errors arrive in absl form unchanged.
#include "client/exit_codes.h"

#include "client/status_conversion.h"
#include "gtest/gtest.h"

namespace miniter::client {
namespace {

TEST(ExitCodesTest, OkIsZero) { EXPECT_EQ(ExitCodeFor(absl::OkStatus()), 0); }

TEST(ExitCodesTest, ServerCodesMapByClass) {
  EXPECT_EQ(ExitCodeFor(absl::InvalidArgumentError("x")), kExitRejected);
  EXPECT_EQ(ExitCodeFor(absl::NotFoundError("x")), kExitRejected);
  EXPECT_EQ(ExitCodeFor(absl::AlreadyExistsError("x")), kExitRejected);
  EXPECT_EQ(ExitCodeFor(absl::UnauthenticatedError("x")), kExitUnauthenticated);
  EXPECT_EQ(ExitCodeFor(absl::UnavailableError("x")), kExitRetryable);
  EXPECT_EQ(ExitCodeFor(absl::DeadlineExceededError("x")), kExitRetryable);
  EXPECT_EQ(ExitCodeFor(absl::ResourceExhaustedError("x")), kExitRetryable);
  EXPECT_EQ(ExitCodeFor(absl::InternalError("x")), kExitServerError);
  EXPECT_EQ(ExitCodeFor(absl::UnknownError("x")), kExitServerError);
  EXPECT_EQ(kExitRejected, 2);
  EXPECT_EQ(kExitUnauthenticated, 3);
  EXPECT_EQ(kExitRetryable, 4);
  EXPECT_EQ(kExitServerError, 5);
}

TEST(ExitCodesTest, UsageAndLocalErrorsWinOverTheirCode) {
  EXPECT_EQ(ExitCodeFor(UsageError("bad flag")), 64);
  EXPECT_TRUE(IsUsageError(UsageError("bad flag")));
  // PERMISSION_DENIED from chmod is ours, not the server's.
  EXPECT_EQ(ExitCodeFor(LocalError(absl::PermissionDeniedError("chmod"))), 1);
  EXPECT_FALSE(IsUsageError(LocalError(absl::InternalError("x"))));
}

TEST(ExitCodesTest, CodeNamesAreTheCanonicalOnes) {
  EXPECT_EQ(StatusCodeName(absl::StatusCode::kAlreadyExists), "ALREADY_EXISTS");
  EXPECT_EQ(StatusCodeName(absl::StatusCode::kUnauthenticated),
            "UNAUTHENTICATED");
  EXPECT_EQ(StatusCodeName(absl::StatusCode::kResourceExhausted),
            "RESOURCE_EXHAUSTED");
}

TEST(ExitCodesTest, FormatErrorKeepsTheServerMessage) {
  EXPECT_EQ(FormatError(absl::AlreadyExistsError("e-mail already registered")),
            "miniter: ALREADY_EXISTS: e-mail already registered");
  EXPECT_EQ(FormatError(UsageError("unknown command: x")),
            "miniter: unknown command: x");
}

TEST(StatusConversionTest, EveryCodeKeepsItsNumberAndMessage) {
  for (int code = 0; code <= 16; ++code) {
    grpc::Status in(static_cast<grpc::StatusCode>(code),
                    code == 0 ? "" : "message " + std::to_string(code));
    absl::Status out = FromGrpcStatus(in);
    EXPECT_EQ(static_cast<int>(out.code()), code);
    if (code != 0) {
      EXPECT_EQ(out.message(), "message " + std::to_string(code));
    }
  }
}

}  // namespace
}  // namespace miniter::client
