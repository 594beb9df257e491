// trace_context_test.cc: traceparent values as the W3C Trace Context
// specification defines them: valid ones give their ids and sampled flag,
// every malformed one is ignored.
#include "server/api/trace_context.h"

#include <string>

#include "gtest/gtest.h"

namespace miniter::api {
namespace {

constexpr char kValid[] =
    "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

TEST(TraceparentTest, ReadsTheSpecificationsExample) {
  const std::optional<TraceContext> context = ParseTraceparent(kValid);
  ASSERT_TRUE(context.has_value());
  EXPECT_EQ(context->trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(context->parent_id, "00f067aa0ba902b7");
  EXPECT_TRUE(context->sampled);
}

TEST(TraceparentTest, SampledIsBitZeroOfTheFlags) {
  const std::string base = std::string(kValid).substr(0, 53);
  EXPECT_FALSE(ParseTraceparent(base + "00")->sampled);
  EXPECT_FALSE(ParseTraceparent(base + "02")->sampled);
  EXPECT_TRUE(ParseTraceparent(base + "03")->sampled);
  EXPECT_TRUE(ParseTraceparent(base + "09")->sampled);
  EXPECT_TRUE(ParseTraceparent(base + "ff")->sampled);
}

TEST(TraceparentTest, LaterVersionsMayCarryMoreFieldsAfterADash) {
  const std::string later =
      "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  EXPECT_TRUE(ParseTraceparent(later).has_value());
  EXPECT_TRUE(ParseTraceparent(later + "-what-comes-next").has_value());
  EXPECT_FALSE(ParseTraceparent(later + "x").has_value());
}

TEST(TraceparentTest, MalformedValuesAreIgnored) {
  const std::string valid = kValid;
  for (const std::string& bad : {
           std::string(),
           std::string("garbage"),
           valid.substr(0, 54),
           // Version 00 ends at the flags.
           valid + "-extra",
           valid + " ",
           " " + valid,
           // Upper-case hex is not allowed anywhere.
           std::string(
               "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01"),
           std::string(
               "00-4bf92f3577b34da6a3ce929d0e0e4736-00F067AA0BA902B7-01"),
           std::string(
               "0A-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
           std::string(
               "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0F"),
           // Version ff is forbidden.
           std::string(
               "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
           // All-zero ids are invalid.
           std::string(
               "00-00000000000000000000000000000000-00f067aa0ba902b7-01"),
           std::string(
               "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01"),
           // Wrong separators and field lengths.
           std::string(
               "00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
           std::string(
               "00-4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7-01"),
           std::string(
               "00-4bf92f3577b34da6a3ce929d0e0e47-3600f067aa0ba902b7-01"),
           std::string(
               "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b-701"),
           // Non-hex digits.
           std::string(
               "00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01"),
           std::string(
               "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0x"),
       }) {
    EXPECT_FALSE(ParseTraceparent(bad).has_value()) << "\"" << bad << "\"";
  }
}

}  // namespace
}  // namespace miniter::api
