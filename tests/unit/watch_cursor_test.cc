// watch_cursor_test.cc: WatchTimeline cursors round-trip, are bound to
// their owner, and every token this deployment did not sign for that owner
// is refused (altered, truncated, another key, a page token, garbage).
#include "server/watch/watch_cursor.h"

#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/rules/page_token.h"

namespace miniter::watch {
namespace {

using ::testing::ElementsAreArray;
using ::testing::HasSubstr;

WatchCursorCodec Codec(char fill = 'k') {
  std::vector<std::string> secrets = {std::string(32, fill)};
  return *WatchCursorCodec::Create(
      *rules::KeyRing::Create(secrets, 32, "watch cursor key"));
}

TEST(WatchCursorTest, RoundTripsFloorAndSentIds) {
  const WatchCursorCodec codec = Codec();
  std::vector<storage::TweetId> many;
  for (storage::TweetId id = 1000; many.size() < 256; id += 3) {
    many.push_back(id);
  }
  for (const WatchCursor& cursor :
       {WatchCursor{42, 0, {}}, WatchCursor{7, 100, {101, 105, 99999999}},
        WatchCursor{18446744073709551615ull,
                    18446744073709551614ull,
                    {18446744073709551615ull}},
        WatchCursor{3, 999, many}}) {
    const std::string token = codec.Encode(cursor);
    EXPECT_EQ(token.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklm"
                                      "nopqrstuvwxyz0123456789-_"),
              std::string::npos)
        << token;
    absl::StatusOr<WatchCursor> decoded = codec.Decode(token, cursor.owner);
    ASSERT_TRUE(decoded.ok()) << decoded.status();
    EXPECT_EQ(decoded->owner, cursor.owner);
    EXPECT_EQ(decoded->floor, cursor.floor);
    EXPECT_THAT(decoded->sent_above_floor,
                ElementsAreArray(cursor.sent_above_floor));
  }
}

TEST(WatchCursorTest, FullCursorStaysShortEnoughForATrailer) {
  std::vector<storage::TweetId> many;
  for (storage::TweetId id = 1; many.size() < 256; id += 1000) {
    many.push_back(1000000000 + id);
  }
  EXPECT_LT(Codec().Encode({5, 1000000000, many}).size(), 1024u);
}

TEST(WatchCursorTest, RefusesAnotherOwnersCursor) {
  const WatchCursorCodec codec = Codec();
  const std::string token = codec.Encode({42, 10, {11}});
  const absl::Status refused = codec.Decode(token, 43).status();
  EXPECT_TRUE(absl::IsInvalidArgument(refused));
  EXPECT_THAT(refused.message(), HasSubstr("resume_cursor"));
}

TEST(WatchCursorTest, RefusesAlteredTruncatedForeignAndGarbage) {
  const WatchCursorCodec codec = Codec();
  const std::string token = codec.Encode({42, 10, {11, 15}});
  std::string plain;
  ASSERT_TRUE(absl::WebSafeBase64Unescape(token, &plain));
  std::vector<std::string> bad;
  for (std::size_t i = 0; i < plain.size(); ++i) {
    std::string flipped = plain;
    flipped[i] = static_cast<char>(flipped[i] ^ 0x01);
    bad.push_back(absl::WebSafeBase64Escape(flipped));
  }
  bad.push_back(absl::WebSafeBase64Escape(plain.substr(0, plain.size() - 1)));
  bad.push_back(token.substr(0, token.size() - 2));
  bad.push_back(Codec('o').Encode({42, 10, {11, 15}}));
  bad.emplace_back("not base64 at all!");
  bad.emplace_back(5000, 'A');
  bad.emplace_back();
  // A page token of the same deployment's secret is not a watch cursor.
  bad.push_back(
      rules::PageTokenCodec::Create(std::string(32, 'k'))->Encode({42, 10}));
  for (const std::string& token_bad : bad) {
    EXPECT_TRUE(absl::IsInvalidArgument(codec.Decode(token_bad, 42).status()))
        << token_bad;
  }
}

}  // namespace
}  // namespace miniter::watch
