// call_log_policy_test.cc: --call_log and --call_log_sample: parsing, and
// which calls each choice logs.
#include "server/api/call_log_policy.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace miniter::api {
namespace {

using Mode = CallLogPolicy::Mode;
using ::testing::HasSubstr;

TEST(CallLogPolicyTest, ParsesModesAndShares) {
  absl::StatusOr<CallLogPolicy> defaults = CallLogPolicy::Parse("", "");
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults->mode, Mode::kAll);
  EXPECT_EQ(defaults->sample, 1.0);
  EXPECT_EQ(CallLogPolicy::Parse("errors", "")->mode, Mode::kErrors);
  EXPECT_EQ(CallLogPolicy::Parse(" OFF ", "")->mode, Mode::kOff);
  EXPECT_EQ(CallLogPolicy::Parse("all", "0.01")->sample, 0.01);
  EXPECT_EQ(CallLogPolicy::Parse("all", "0")->sample, 0.0);
  EXPECT_EQ(CallLogPolicy::Parse("all", "1")->sample, 1.0);
}

TEST(CallLogPolicyTest, RefusesOtherValuesNamingTheSetting) {
  EXPECT_THAT(CallLogPolicy::Parse("verbose", "").status().message(),
              HasSubstr("call_log must be all, errors or off"));
  for (const char* share : {"-0.1", "1.5", "half", "nan", "inf", "10%"}) {
    absl::StatusOr<CallLogPolicy> policy = CallLogPolicy::Parse("all", share);
    EXPECT_EQ(policy.status().code(), absl::StatusCode::kInvalidArgument)
        << share;
    EXPECT_THAT(policy.status().message(), HasSubstr("call_log_sample"))
        << share;
  }
}

TEST(CallLogPolicyTest, AllLogsEveryCallWithoutDrawing) {
  const CallLogPolicy all;
  EXPECT_FALSE(all.NeedsDraw());
  EXPECT_TRUE(all.Selects(grpc::StatusCode::OK, false, 0.999));
  EXPECT_TRUE(all.Selects(grpc::StatusCode::INTERNAL, false, 0.999));
}

TEST(CallLogPolicyTest, SamplingThinsOnlySuccessfulUntracedCalls) {
  CallLogPolicy sampled;
  sampled.sample = 0.25;
  EXPECT_TRUE(sampled.NeedsDraw());
  EXPECT_TRUE(sampled.Selects(grpc::StatusCode::OK, false, 0.2));
  EXPECT_FALSE(sampled.Selects(grpc::StatusCode::OK, false, 0.25));
  EXPECT_FALSE(sampled.Selects(grpc::StatusCode::OK, false, 0.9));
  // Failures, and calls the client's traceparent marks sampled, always.
  EXPECT_TRUE(sampled.Selects(grpc::StatusCode::NOT_FOUND, false, 0.9));
  EXPECT_TRUE(sampled.Selects(grpc::StatusCode::OK, true, 0.9));
  sampled.sample = 0.0;
  EXPECT_FALSE(sampled.Selects(grpc::StatusCode::OK, false, 0.0));
  EXPECT_TRUE(sampled.Selects(grpc::StatusCode::UNAVAILABLE, false, 0.0));
}

TEST(CallLogPolicyTest, ErrorsModeLogsOnlyFailures) {
  CallLogPolicy errors;
  errors.mode = Mode::kErrors;
  EXPECT_FALSE(errors.NeedsDraw());
  EXPECT_FALSE(errors.Selects(grpc::StatusCode::OK, false, 0.0));
  EXPECT_FALSE(errors.Selects(grpc::StatusCode::OK, true, 0.0));
  EXPECT_TRUE(errors.Selects(grpc::StatusCode::INVALID_ARGUMENT, false, 0.9));
}

TEST(CallLogPolicyTest, OffLogsNothing) {
  CallLogPolicy off;
  off.mode = Mode::kOff;
  EXPECT_FALSE(off.Selects(grpc::StatusCode::INTERNAL, true, 0.0));
  EXPECT_EQ(off.Describe(), "off");
}

}  // namespace
}  // namespace miniter::api
