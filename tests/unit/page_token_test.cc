// page_token_test.cc: the timeline cursor round-trips and rejects forgeries.
#include "server/rules/page_token.h"

#include "gtest/gtest.h"

namespace miniter::rules {
namespace {

TEST(PageTokenTest, RoundTrips) {
  const TimelineCursor cursor{42, 18446744073709551615ull};
  absl::StatusOr<TimelineCursor> decoded =
      DecodePageToken(EncodePageToken(cursor));
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->timeline_user_id, 42u);
  EXPECT_EQ(decoded->before_tweet_id, 18446744073709551615ull);
}

TEST(PageTokenTest, RejectsGarbage) {
  for (const char* bad : {"x", "!!!!", "djI6MToy" /* v2:1:2 */,
                          "djE6MDox" /* v1:0:1 */, "djE6YTpi" /* v1:a:b */}) {
    EXPECT_EQ(DecodePageToken(bad).status().code(),
              absl::StatusCode::kInvalidArgument)
        << bad;
  }
  EXPECT_FALSE(DecodePageToken(std::string(200, 'A')).ok());
}

}  // namespace
}  // namespace miniter::rules
