// search_page_token_test.cc: SearchUsers cursors round-trip, are bound to
// their query, never decode as Timeline cursors (nor the reverse), and
// every token this deployment did not sign for this query is refused.
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/rules/page_token.h"
#include "server/rules/text_rules.h"

namespace miniter::rules {
namespace {

using ::testing::HasSubstr;

PageTokenCodec Codec(char fill = 'k') {
  return *PageTokenCodec::Create(std::string(32, fill));
}

TEST(SearchPageTokenTest, RoundTripsAsUrlSafeText) {
  const PageTokenCodec codec = Codec();
  const std::string longest_key(kMaxNameKeyCodePoints * 4, 'x');
  for (const SearchCursor& cursor :
       {SearchCursor{"ann", 42}, SearchCursor{"변성윤", 1},
        SearchCursor{"50%_off!", 18446744073709551615ull},
        SearchCursor{longest_key, 7}}) {
    const std::string token = codec.EncodeSearch(cursor, "a");
    EXPECT_EQ(token.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklm"
                                      "nopqrstuvwxyz0123456789-_"),
              std::string::npos);
    absl::StatusOr<SearchCursor> decoded = codec.DecodeSearch(token, "a");
    ASSERT_TRUE(decoded.ok()) << decoded.status();
    EXPECT_EQ(decoded->name_key, cursor.name_key);
    EXPECT_EQ(decoded->user_id, cursor.user_id);
  }
}

TEST(SearchPageTokenTest, ATokenForAnotherQueryIsRefused) {
  const PageTokenCodec codec = Codec();
  const std::string token = codec.EncodeSearch({"anna", 5}, "ann");
  EXPECT_TRUE(codec.DecodeSearch(token, "ann").ok());
  for (const char* other : {"an", "anna", "Ann", "ann ", ""}) {
    absl::StatusOr<SearchCursor> decoded = codec.DecodeSearch(token, other);
    EXPECT_EQ(decoded.status().code(), absl::StatusCode::kInvalidArgument)
        << other;
    EXPECT_THAT(decoded.status().message(), HasSubstr("same query"));
  }
}

TEST(SearchPageTokenTest, MovingBytesBetweenCursorAndQueryIsRefused) {
  // The MAC covers the payload and the query one after the other; the
  // length field keeps "anna" + "x" from verifying as "ann" + "ax".
  const PageTokenCodec codec = Codec();
  const std::string token = codec.EncodeSearch({"annax", 5}, "x");
  std::string plain;
  ASSERT_TRUE(absl::WebSafeBase64Unescape(token, &plain));
  // Drop the key's last byte, fix the length, keep the tag.
  std::string shifted = plain;
  shifted.erase(plain.size() - 16 - 1, 1);
  shifted[1 + 6 + 8 + 1] = static_cast<char>(4);
  EXPECT_FALSE(
      codec.DecodeSearch(absl::WebSafeBase64Escape(shifted), "xx").ok());
}

TEST(SearchPageTokenTest, KindsNeverCross) {
  const PageTokenCodec codec = Codec();
  const std::string timeline = codec.Encode({3, 20});
  EXPECT_FALSE(codec.DecodeSearch(timeline, "").ok());
  EXPECT_FALSE(codec.DecodeSearch(timeline, "a").ok());
  const std::string search = codec.EncodeSearch({"ann", 3}, "a");
  EXPECT_FALSE(codec.Decode(search).ok());
}

TEST(SearchPageTokenTest, AlteredTruncatedForeignAndGarbageAreRefused) {
  const PageTokenCodec codec = Codec();
  const std::string token = codec.EncodeSearch({"anna", 5}, "an");
  for (std::size_t i = 0; i < token.size(); ++i) {
    std::string altered = token;
    altered[i] = altered[i] == 'A' ? 'B' : 'A';
    absl::StatusOr<SearchCursor> decoded = codec.DecodeSearch(altered, "an");
    // A change in the last character may only touch padding bits.
    if (decoded.ok()) {
      EXPECT_EQ(i, token.size() - 1);
      continue;
    }
    EXPECT_EQ(decoded.status().code(), absl::StatusCode::kInvalidArgument);
  }
  for (std::size_t n = 0; n < token.size(); ++n) {
    EXPECT_FALSE(codec.DecodeSearch(token.substr(0, n), "an").ok()) << n;
  }
  EXPECT_FALSE(Codec('z').DecodeSearch(token, "an").ok());
  EXPECT_FALSE(codec.DecodeSearch("garbage!", "an").ok());
  EXPECT_FALSE(codec.DecodeSearch(std::string(10000, 'A'), "an").ok());
}

TEST(SearchPageTokenTest, AnyKeyOfTheRingVerifies) {
  const PageTokenCodec old_key = Codec('o');
  std::vector<std::string> keys = {std::string(32, 'n'), std::string(32, 'o')};
  const PageTokenCodec both = *PageTokenCodec::Create(*KeyRing::Create(
      std::move(keys), PageTokenCodec::kMinKeyBytes, "page token key"));
  const std::string token = old_key.EncodeSearch({"ann", 9}, "a");
  absl::StatusOr<SearchCursor> decoded = both.DecodeSearch(token, "a");
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->user_id, 9u);
}

}  // namespace
}  // namespace miniter::rules
