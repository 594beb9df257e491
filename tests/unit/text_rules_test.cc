// text_rules_test.cc: NFC normalization, code-point counting and the
// validation rules for tweets, names, e-mail addresses, passwords and
// profiles.
#include "server/rules/text_rules.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace miniter::rules {
namespace {

using ::testing::HasSubstr;

std::string Repeat(const std::string& unit, int times) {
  std::string out;
  for (int i = 0; i < times; ++i) out += unit;
  return out;
}

const std::string kHangulSyllable = "\xEA\xB0\x80";      // U+AC00 가
const std::string kGrinningFace = "\xF0\x9F\x98\x80";    // U+1F600 😀
const std::string kDecomposedE = "e\xCC\x81";            // e + U+0301
const std::string kComposedE = "\xC3\xA9";               // U+00E9 é

TEST(NormalizeNfcTest, ComposesDecomposedSequences) {
  EXPECT_EQ(*NormalizeNfc(kDecomposedE, "text"), kComposedE);
}

TEST(NormalizeNfcTest, ComposesConjoiningJamoIntoHangulSyllables) {
  // U+1100 U+1161 (ᄀ + ᅡ) compose to U+AC00 가.
  EXPECT_EQ(*NormalizeNfc("\xE1\x84\x80\xE1\x85\xA1", "text"),
            kHangulSyllable);
}

TEST(NormalizeNfcTest, RejectsInvalidUtf8) {
  absl::StatusOr<std::string> result = NormalizeNfc("ab\xFF", "text");
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(result.status().message(), HasSubstr("UTF-8"));
}

TEST(NormalizeNfcTest, RejectsSurrogatesEncodedInUtf8) {
  EXPECT_FALSE(NormalizeNfc("\xED\xA0\x80", "text").ok());
}

TEST(CountCodePointsTest, CountsCodePointsNotBytes) {
  EXPECT_EQ(CountCodePoints(""), 0u);
  EXPECT_EQ(CountCodePoints("abc"), 3u);
  EXPECT_EQ(CountCodePoints(kHangulSyllable), 1u);
  EXPECT_EQ(CountCodePoints(kGrinningFace), 1u);
  EXPECT_EQ(CountCodePoints(kDecomposedE), 2u);
}

TEST(ValidateTweetTextTest, Accepts300HangulSyllablesByteForByte) {
  const std::string text = Repeat(kHangulSyllable, 300);
  absl::StatusOr<std::string> result = ValidateTweetText(text);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(*result, text);
}

TEST(ValidateTweetTextTest, Accepts300Emoji) {
  const std::string text = Repeat(kGrinningFace, 300);
  absl::StatusOr<std::string> result = ValidateTweetText(text);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(*result, text);
}

TEST(ValidateTweetTextTest, Rejects301Characters) {
  absl::StatusOr<std::string> result =
      ValidateTweetText(Repeat(kHangulSyllable, 301));
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(result.status().message(), HasSubstr("301"));
  EXPECT_THAT(result.status().message(), HasSubstr("300"));
}

TEST(ValidateTweetTextTest, CountsAfterNormalization) {
  // 300 decomposed é are 600 code points before NFC and 300 after.
  absl::StatusOr<std::string> result =
      ValidateTweetText(Repeat(kDecomposedE, 300));
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(*result, Repeat(kComposedE, 300));
}

TEST(ValidateTweetTextTest, RejectsEmptyAndBlankText) {
  for (const std::string& blank :
       {std::string(), std::string("   "), std::string("\n\t \r\n"),
        std::string("\xE3\x80\x80"),  // U+3000 ideographic space
        std::string("\xE2\x80\x8B")}) {  // U+200B zero-width space
    absl::StatusOr<std::string> result = ValidateTweetText(blank);
    EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument)
        << "for \"" << blank << "\"";
  }
}

TEST(ValidateTweetTextTest, AllowsLineBreaksButNotOtherControls) {
  EXPECT_TRUE(ValidateTweetText("line one\nline two\ttab").ok());
  absl::StatusOr<std::string> result = ValidateTweetText("bell\x07");
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(result.status().message(), HasSubstr("U+0007"));
  EXPECT_FALSE(ValidateTweetText(std::string("nul\0byte", 8)).ok());
}

TEST(ValidateTweetTextTest, KeepsSqlMetacharactersVerbatim) {
  const std::string text = "'; DROP TABLE tweets; -- \\ \" %_";
  EXPECT_EQ(*ValidateTweetText(text), text);
}

TEST(ValidateNameTest, AcceptsKoreanAndRejectsLineBreaks) {
  EXPECT_EQ(*ValidateName("\xEA\xB9\x80\xEC\xB2\xA0\xEC\x88\x98"),
            "\xEA\xB9\x80\xEC\xB2\xA0\xEC\x88\x98");  // 김철수
  EXPECT_FALSE(ValidateName("two\nlines").ok());
  EXPECT_FALSE(ValidateName(" ").ok());
  EXPECT_TRUE(ValidateName(std::string(255, 'n')).ok());
  EXPECT_FALSE(ValidateName(std::string(256, 'n')).ok());
}

TEST(ValidateProfileTest, AllowsEmptyAndBoundsLength) {
  EXPECT_TRUE(ValidateProfile("").ok());
  EXPECT_TRUE(ValidateProfile(Repeat(kHangulSyllable, 2000)).ok());
  EXPECT_EQ(ValidateProfile(Repeat(kHangulSyllable, 2001)).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(ValidatePasswordTest, EnforcesLengthBounds) {
  EXPECT_FALSE(ValidatePassword("1234567").ok());
  EXPECT_TRUE(ValidatePassword("12345678").ok());
  EXPECT_TRUE(ValidatePassword(std::string(1024, 'p')).ok());
  EXPECT_FALSE(ValidatePassword(std::string(1025, 'p')).ok());
  // Eight Hangul syllables are eight characters (24 bytes).
  EXPECT_TRUE(ValidatePassword(Repeat(kHangulSyllable, 8)).ok());
  EXPECT_FALSE(ValidatePassword(Repeat(kHangulSyllable, 7)).ok());
}

TEST(ValidateEmailTest, AcceptsPlausibleAddressesAndFoldsCase) {
  absl::StatusOr<EmailAddress> email = ValidateEmail("Ann.Lee+tag@Example.COM");
  ASSERT_TRUE(email.ok()) << email.status();
  EXPECT_EQ(email->display, "Ann.Lee+tag@Example.COM");
  EXPECT_EQ(email->key, "ann.lee+tag@example.com");
  EXPECT_EQ(ValidateEmail("ANN@EXAMPLE.COM")->key,
            ValidateEmail("ann@example.com")->key);
}

TEST(ValidateEmailTest, AcceptsInternationalizedAddresses) {
  // 사용자@예시.한국
  EXPECT_TRUE(ValidateEmail("\xEC\x82\xAC\xEC\x9A\xA9\xEC\x9E\x90@"
                            "\xEC\x98\x88\xEC\x8B\x9C.\xED\x95\x9C\xEA\xB5\xAD")
                  .ok());
}

TEST(ValidateEmailTest, RejectsImplausibleAddresses) {
  for (const char* bad :
       {"", "plainaddress", "@example.com", "ann@", "ann@example",
        "ann@@example.com", "ann@exa mple.com", "an n@example.com",
        "ann@-example.com", "ann@example..com", ".ann@example.com",
        "ann..lee@example.com", "ann@example.com\n", "a@b@example.com"}) {
    EXPECT_EQ(ValidateEmail(bad).status().code(),
              absl::StatusCode::kInvalidArgument)
        << "for \"" << bad << "\"";
  }
  EXPECT_FALSE(ValidateEmail(std::string(65, 'a') + "@example.com").ok());
  EXPECT_FALSE(
      ValidateEmail("a@" + std::string(250, 'b') + ".com").ok());
}

}  // namespace
}  // namespace miniter::rules
