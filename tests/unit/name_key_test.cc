// name_key_test.cc: the search key of a name (NFC, full case folding), the
// checks on a SearchUsers query, the bound that sizes users.name_key, and
// the start-up fill of missing keys.
#include <utf8proc.h>

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/rules/name_key_fill.h"
#include "server/rules/text_rules.h"
#include "server/storage/mocks/mock_stores.h"

namespace miniter::rules {
namespace {

using ::testing::_;
using ::testing::HasSubstr;
using ::testing::Return;
using ::testing::StrictMock;

std::string KeyOf(const std::string& name) {
  absl::StatusOr<std::string> key = NameKey(name);
  EXPECT_TRUE(key.ok()) << key.status();
  return key.ok() ? *key : std::string();
}

TEST(NameKeyTest, FoldsCaseFullyAndNormalizes) {
  EXPECT_EQ(KeyOf("Ann"), "ann");
  EXPECT_EQ(KeyOf("ANNA"), "anna");
  // Full folding: one letter can become two.
  EXPECT_EQ(KeyOf("Straße"), "strasse");
  EXPECT_EQ(KeyOf("STRASSE"), "strasse");
  EXPECT_EQ(KeyOf("ΣΊΣΥΦΟΣ"), KeyOf("σίσυφος"));
  // Decomposed input gets the same (NFC) key as precomposed.
  EXPECT_EQ(KeyOf("E\u0301mile"), KeyOf("\u00C9mile"));
  EXPECT_EQ(KeyOf("\u00C9mile"), "\u00E9mile");
  // Scripts without case are unchanged.
  EXPECT_EQ(KeyOf("변성윤"), "변성윤");
  EXPECT_EQ(KeyOf("🤖 bot"), "🤖 bot");
}

TEST(NameKeyTest, InvalidUtf8IsInvalidArgumentNamingTheField) {
  absl::StatusOr<std::string> key = NameKey("\xff\xfe", "query");
  EXPECT_EQ(key.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(key.status().message(), HasSubstr("query"));
}

// users.name_key is VARCHAR(kMaxNameKeyCodePoints): no NFC code point may
// fold to more than three, or a valid name could fail to store.
TEST(NameKeyTest, NoCodePointFoldsToMoreThanThree) {
  std::size_t longest = 0;
  for (utf8proc_int32_t c = 0; c <= 0x10FFFF; ++c) {
    if (!utf8proc_codepoint_valid(c) || c == 0) continue;
    utf8proc_uint8_t bytes[4];
    const utf8proc_ssize_t n = utf8proc_encode_char(c, bytes);
    const std::string one(reinterpret_cast<const char*>(bytes), n);
    absl::StatusOr<std::string> nfc = NormalizeNfc(one, "name");
    ASSERT_TRUE(nfc.ok());
    absl::StatusOr<std::string> key = NameKey(*nfc);
    ASSERT_TRUE(key.ok());
    const std::size_t ratio =
        (CountCodePoints(*key) + CountCodePoints(*nfc) - 1) /
        CountCodePoints(*nfc);
    longest = std::max(longest, ratio);
  }
  EXPECT_EQ(longest, 3u);
  EXPECT_EQ(kMaxNameKeyCodePoints, 3 * kMaxNameCodePoints);
  // The longest name of the longest-folding letter fits.
  std::string worst;
  for (std::size_t i = 0; i < kMaxNameCodePoints; ++i) worst += "\uFB03";
  ASSERT_TRUE(ValidateName(worst).ok());
  EXPECT_EQ(CountCodePoints(KeyOf(worst)), kMaxNameKeyCodePoints);
}

TEST(SearchQueryKeyTest, FoldsLikeNamesAndKeepsSpaces) {
  EXPECT_EQ(*SearchQueryKey("ANN"), "ann");
  EXPECT_EQ(*SearchQueryKey("STRASSE"), "strasse");
  EXPECT_EQ(*SearchQueryKey("변"), "변");
  // Leading and trailing spaces are part of the prefix.
  EXPECT_EQ(*SearchQueryKey(" Ann "), " ann ");
  // LIKE metacharacters are just characters here (storage escapes them).
  EXPECT_EQ(*SearchQueryKey("50%_off"), "50%_off");
}

TEST(SearchQueryKeyTest, RefusesEmptyBlankLongAndInvalidQueries) {
  for (const std::string& bad :
       {std::string(), std::string(" "), std::string("\t \u3000"),
        std::string(256, 'a'), std::string("\xc3\x28")}) {
    absl::StatusOr<std::string> key = SearchQueryKey(bad);
    EXPECT_EQ(key.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(key.status().message(), HasSubstr("query")) << bad;
  }
  // 255 code points after NFC: 255 Hangul syllables (765 bytes) are fine,
  // and so are 255 decomposed letters that compose to 255.
  std::string hangul;
  for (int i = 0; i < 255; ++i) hangul += "변";
  EXPECT_TRUE(SearchQueryKey(hangul).ok());
  std::string decomposed;
  for (int i = 0; i < 255; ++i) decomposed += "e\u0301";
  EXPECT_TRUE(SearchQueryKey(decomposed).ok());
  EXPECT_EQ(SearchQueryKey(hangul + "a").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(FillMissingNameKeysTest, KeysEveryUnkeyedUserInBatchesUntilNoneIsLeft) {
  StrictMock<storage::MockUserStore> users;
  ::testing::InSequence in_order;
  EXPECT_CALL(users, ListUsersWithoutNameKey(kNameKeyFillBatch))
      .WillOnce(Return(
          std::vector<storage::UnkeyedUser>{{4, "Straße"}, {9, "변성윤"}}));
  EXPECT_CALL(users, SetMissingNameKey(4, std::string_view("strasse")))
      .WillOnce(Return(absl::OkStatus()));
  EXPECT_CALL(users, SetMissingNameKey(9, std::string_view("변성윤")))
      .WillOnce(Return(absl::OkStatus()));
  EXPECT_CALL(users, ListUsersWithoutNameKey(kNameKeyFillBatch))
      .WillOnce(Return(std::vector<storage::UnkeyedUser>{{12, "\xff"}}));
  // Never accepted by SignUp, but the fill must still end.
  EXPECT_CALL(users, SetMissingNameKey(12, std::string_view("\xff")))
      .WillOnce(Return(absl::OkStatus()));
  EXPECT_CALL(users, ListUsersWithoutNameKey(kNameKeyFillBatch))
      .WillOnce(Return(std::vector<storage::UnkeyedUser>{}));
  absl::StatusOr<std::int64_t> filled = FillMissingNameKeys(users);
  ASSERT_TRUE(filled.ok()) << filled.status();
  EXPECT_EQ(*filled, 3);
}

TEST(FillMissingNameKeysTest, StopsAtTheFirstStorageError) {
  StrictMock<storage::MockUserStore> users;
  EXPECT_CALL(users, ListUsersWithoutNameKey(_))
      .WillOnce(Return(std::vector<storage::UnkeyedUser>{{4, "Ann"}}));
  EXPECT_CALL(users, SetMissingNameKey(4, _))
      .WillOnce(Return(absl::UnavailableError("down")));
  EXPECT_EQ(FillMissingNameKeys(users).status().code(),
            absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace miniter::rules
