// call_record_test.cc: the call log's JSON line: its fields and their
// order, what is left out when unknown, levels per status code, and odd
// peer strings that must neither break the line nor stop it parsing.
#include "server/api/call_record.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace miniter::api {
namespace {

CallRecord FullRecord() {
  CallRecord record;
  record.end = absl::FromUnixMillis(1'764'468'600'123);
  record.method = "/miniter.v1.Miniter/Tweet";
  record.code = grpc::StatusCode::OK;
  record.latency = absl::Microseconds(3172) + absl::Nanoseconds(400);
  record.peer = "ipv4:127.0.0.1:50312";
  record.user_id = 42;
  record.request_id = "c0ffee-1";
  record.trace = TraceContext{"4bf92f3577b34da6a3ce929d0e0e4736",
                              "00f067aa0ba902b7", true};
  return record;
}

TEST(FormatCallRecordTest, WritesEveryKnownFieldInOrder) {
  EXPECT_EQ(FormatCallRecord(FullRecord()),
            "{\"time\":\"2025-11-30T02:10:00.123Z\",\"level\":\"info\","
            "\"msg\":\"call\",\"method\":\"/miniter.v1.Miniter/Tweet\","
            "\"code\":\"OK\",\"latency_ms\":3.172,"
            "\"peer\":\"ipv4:127.0.0.1:50312\",\"user_id\":42,"
            "\"request_id\":\"c0ffee-1\","
            "\"trace_id\":\"4bf92f3577b34da6a3ce929d0e0e4736\","
            "\"parent_id\":\"00f067aa0ba902b7\"}");
}

TEST(FormatCallRecordTest, LeavesOutWhatIsNotKnown) {
  CallRecord record = FullRecord();
  record.code = grpc::StatusCode::UNAUTHENTICATED;
  record.user_id.reset();
  record.request_id.clear();
  record.trace.reset();
  const nlohmann::json line = nlohmann::json::parse(FormatCallRecord(record));
  EXPECT_EQ(line["code"], "UNAUTHENTICATED");
  EXPECT_EQ(line["level"], "warn");
  for (const char* absent :
       {"user_id", "request_id", "trace_id", "parent_id"}) {
    EXPECT_FALSE(line.contains(absent)) << absent;
  }
  EXPECT_EQ(line.size(), 7u) << line.dump();
}

TEST(FormatCallRecordTest, LatencyIsMillisecondsRoundedToTheMicrosecond) {
  CallRecord record = FullRecord();
  record.latency = absl::Nanoseconds(1'234'567);
  EXPECT_EQ(nlohmann::json::parse(FormatCallRecord(record))["latency_ms"],
            1.235);
  record.latency = absl::Nanoseconds(400);
  EXPECT_EQ(nlohmann::json::parse(FormatCallRecord(record))["latency_ms"], 0);
  record.latency = absl::Seconds(2);
  EXPECT_EQ(nlohmann::json::parse(FormatCallRecord(record))["latency_ms"],
            2000);
}

TEST(FormatCallRecordTest, OddPeerStringsAreEscapedIntoOneParsableLine) {
  for (const std::string& peer : {
           std::string("unix:/tmp/a \"quoted\" \\ path"),
           std::string("unix:/tmp/new\nline\r\n{\"msg\":\"forged\"}"),
           std::string("unix:/tmp/\x01\x1f\x7f"),
           std::string("unix:/tmp/\xFF\xFE not utf-8 \xC3"),
           std::string("ipv6:[::1]:41234"),
           std::string("ipv6:%5B::ffff:10.0.0.7%5D:1"),
           std::string("unix:/tmp/\xE2\x80\xAE right-to-left"),
       }) {
    CallRecord record = FullRecord();
    record.peer = peer;
    const std::string line = FormatCallRecord(record);
    EXPECT_EQ(line.find('\n'), std::string::npos) << line;
    EXPECT_EQ(line.find('\r'), std::string::npos) << line;
    const nlohmann::json parsed =
        nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    ASSERT_FALSE(parsed.is_discarded()) << line;
    EXPECT_EQ(parsed["msg"], "call") << line;
    EXPECT_EQ(parsed["user_id"], 42) << line;
    if (peer.find('\xFF') == std::string::npos) {
      EXPECT_EQ(parsed["peer"], peer);
    } else {
      EXPECT_THAT(parsed["peer"].get<std::string>(),
                  ::testing::HasSubstr("\xEF\xBF\xBD not utf-8"));
    }
  }
}

TEST(CallLogLevelTest, ServerFailuresAreErrorsAndRefusalsWarnings) {
  EXPECT_EQ(CallLogLevel(grpc::StatusCode::OK), common::LogLevel::kInfo);
  for (grpc::StatusCode code :
       {grpc::StatusCode::INTERNAL, grpc::StatusCode::UNKNOWN,
        grpc::StatusCode::DATA_LOSS, grpc::StatusCode::UNAVAILABLE,
        grpc::StatusCode::DEADLINE_EXCEEDED, grpc::StatusCode::UNIMPLEMENTED}) {
    EXPECT_EQ(CallLogLevel(code), common::LogLevel::kError)
        << StatusCodeName(code);
  }
  for (grpc::StatusCode code :
       {grpc::StatusCode::INVALID_ARGUMENT, grpc::StatusCode::NOT_FOUND,
        grpc::StatusCode::ALREADY_EXISTS, grpc::StatusCode::UNAUTHENTICATED,
        grpc::StatusCode::PERMISSION_DENIED,
        grpc::StatusCode::RESOURCE_EXHAUSTED, grpc::StatusCode::CANCELLED,
        grpc::StatusCode::FAILED_PRECONDITION}) {
    EXPECT_EQ(CallLogLevel(code), common::LogLevel::kWarning)
        << StatusCodeName(code);
  }
}

TEST(StatusCodeNameTest, UsesGrpcNames) {
  EXPECT_EQ(StatusCodeName(grpc::StatusCode::OK), "OK");
  EXPECT_EQ(StatusCodeName(grpc::StatusCode::RESOURCE_EXHAUSTED),
            "RESOURCE_EXHAUSTED");
  EXPECT_EQ(StatusCodeName(grpc::StatusCode::DEADLINE_EXCEEDED),
            "DEADLINE_EXCEEDED");
  EXPECT_EQ(StatusCodeName(static_cast<grpc::StatusCode>(42)), "42");
}

}  // namespace
}  // namespace miniter::api
