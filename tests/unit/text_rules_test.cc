// text_rules_test.cc: NFC normalization, code-point counting and the
// validation rules for tweets, names, e-mail addresses, passwords and
// profiles, including bidi controls and invisible characters.
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

const std::string kHangulSyllable = "\xEA\xB0\x80";    // U+AC00 가
const std::string kGrinningFace = "\xF0\x9F\x98\x80";  // U+1F600 😀
const std::string kDecomposedE = "e\xCC\x81";          // e + U+0301
const std::string kComposedE = "\xC3\xA9";             // U+00E9 é

TEST(NormalizeNfcTest, ComposesDecomposedSequences) {
  EXPECT_EQ(*NormalizeNfc(kDecomposedE, "text"), kComposedE);
}

TEST(NormalizeNfcTest, ComposesConjoiningJamoIntoHangulSyllables) {
  // U+1100 U+1161 (ᄀ + ᅡ) compose to U+AC00 가.
  EXPECT_EQ(*NormalizeNfc("\xE1\x84\x80\xE1\x85\xA1", "text"), kHangulSyllable);
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
        std::string("\xE3\x80\x80"),     // U+3000 ideographic space
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
  EXPECT_FALSE(ValidateEmail("a@" + std::string(250, 'b') + ".com").ok());
}

// ---- Bidirectional controls and invisible characters ----------------------

const std::string kRlo = "\xE2\x80\xAE";   // U+202E RIGHT-TO-LEFT OVERRIDE
const std::string kLre = "\xE2\x80\xAA";   // U+202A LEFT-TO-RIGHT EMBEDDING
const std::string kPdf = "\xE2\x80\xAC";   // U+202C POP DIRECTIONAL FORMATTING
const std::string kRli = "\xE2\x81\xA7";   // U+2067 RIGHT-TO-LEFT ISOLATE
const std::string kFsi = "\xE2\x81\xA8";   // U+2068 FIRST STRONG ISOLATE
const std::string kPdi = "\xE2\x81\xA9";   // U+2069 POP DIRECTIONAL ISOLATE
const std::string kRlm = "\xE2\x80\x8F";   // U+200F RIGHT-TO-LEFT MARK
const std::string kZwsp = "\xE2\x80\x8B";  // U+200B ZERO WIDTH SPACE
const std::string kZwnj = "\xE2\x80\x8C";  // U+200C ZERO WIDTH NON-JOINER
const std::string kZwj = "\xE2\x80\x8D";   // U+200D ZERO WIDTH JOINER
const std::string kWordJoiner = "\xE2\x81\xA0";  // U+2060
const std::string kBom = "\xEF\xBB\xBF";         // U+FEFF
const std::string kTagA = "\xF3\xA0\x81\x81";    // U+E0041 TAG LATIN CAPITAL A
const std::string kCancelTag = "\xF3\xA0\x81\xBF";  // U+E007F
const std::string kHebrewShalom = "\xD7\xA9\xD7\x9C\xD7\x95\xD7\x9D";  // שלום

// Every code point that names refuse outright, with its U+ code.
struct Refused {
  std::string text;
  const char* code;
};
const Refused kRefusedInNames[] = {
    {"\xE2\x80\xAA", "U+202A"},      {"\xE2\x80\xAB", "U+202B"},
    {"\xE2\x80\xAC", "U+202C"},      {"\xE2\x80\xAD", "U+202D"},
    {"\xE2\x80\xAE", "U+202E"},      {"\xE2\x81\xA6", "U+2066"},
    {"\xE2\x81\xA7", "U+2067"},      {"\xE2\x81\xA8", "U+2068"},
    {"\xE2\x81\xA9", "U+2069"},      {"\xE2\x80\x8E", "U+200E"},
    {"\xE2\x80\x8F", "U+200F"},      {"\xD8\x9C", "U+061C"},
    {"\xE2\x80\x8B", "U+200B"},      {"\xE2\x80\x8C", "U+200C"},
    {"\xE2\x80\x8D", "U+200D"},      {"\xE2\x81\xA0", "U+2060"},
    {"\xEF\xBB\xBF", "U+FEFF"},      {"\xF3\xA0\x80\x80", "U+E0000"},
    {"\xF3\xA0\x80\x81", "U+E0001"}, {"\xF3\xA0\x81\x81", "U+E0041"},
    {"\xF3\xA0\x81\xBF", "U+E007F"},
};

TEST(ValidateNameTest, RefusesBidiControlsZeroWidthAndTagCharacters) {
  for (const Refused& refused : kRefusedInNames) {
    // Between Latin letters, at the end, and at the start.
    for (const std::string& name :
         {"An" + refused.text + "n", "Ann" + refused.text,
          refused.text + "Ann"}) {
      absl::StatusOr<std::string> result = ValidateName(name);
      EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument)
          << refused.code;
      EXPECT_THAT(result.status().message(), HasSubstr(refused.code));
      EXPECT_THAT(result.status().message(), HasSubstr("name"));
    }
  }
}

TEST(ValidateNameTest, SaysWhichCharacterAndWhere) {
  absl::StatusOr<std::string> result = ValidateName("Ann" + kRlo);
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(result.status().message(),
              HasSubstr("U+202E RIGHT-TO-LEFT OVERRIDE at character 4"));
  EXPECT_THAT(ValidateName("An" + kZwsp + "n").status().message(),
              HasSubstr("U+200B ZERO WIDTH SPACE at character 3"));
  EXPECT_THAT(ValidateName("A" + kTagA + kCancelTag).status().message(),
              HasSubstr("U+E0041 TAG at character 2"));
}

TEST(ValidateNameTest, KeepsJoinersWhereTheyChangeWhatIsDrawn) {
  // Emoji ZWJ sequences: woman technologist, rainbow flag (with U+FE0F),
  // and a skin tone before the joiner.
  for (const std::string& name : {
           "Ann \xF0\x9F\x91\xA9" + kZwj + "\xF0\x9F\x92\xBB",
           "\xF0\x9F\x8F\xB3\xEF\xB8\x8F" + kZwj + "\xF0\x9F\x8C\x88 Pride",
           "\xF0\x9F\x91\xA9\xF0\x9F\x8F\xBD" + kZwj + "\xF0\x9F\x9A\x80",
           // Persian "mikhaham": ZWNJ between two Arabic-script letters.
           "\xD9\x85\xDB\x8C" + kZwnj +
               "\xD8\xAE\xD9\x88\xD8\xA7\xD9\x87\xD9\x85",
           // Devanagari ka + virama + ZWJ/ZWNJ + ssa: a chosen conjunct form.
           "\xE0\xA4\x95\xE0\xA5\x8D" + kZwj + "\xE0\xA4\xB7",
           "\xE0\xA4\x95\xE0\xA5\x8D" + kZwnj + "\xE0\xA4\xB7",
       }) {
    absl::StatusOr<std::string> result = ValidateName(name);
    ASSERT_TRUE(result.ok()) << result.status();
    EXPECT_EQ(*result, name);
  }
  // The same joiners where they draw nothing.
  for (const std::string& name : {
           "An" + kZwj + "n", "Ann " + kZwj + "\xF0\x9F\x92\xBB",
           "\xF0\x9F\x91\xA9" + kZwj, "An" + kZwnj + "n",
           "\xEB\xAF\xBC" + kZwnj + "\xEC\x88\x98",  // 민‌수 (Hangul)
           "\xD9\x85\xDB\x8C" + kZwnj,               // Arabic, at the end
       }) {
    EXPECT_EQ(ValidateName(name).status().code(),
              absl::StatusCode::kInvalidArgument)
        << name;
  }
}

TEST(ValidateNameTest, AcceptsRightToLeftNamesWithoutControls) {
  EXPECT_TRUE(ValidateName(kHebrewShalom).ok());
  EXPECT_TRUE(ValidateName("Ann " + kHebrewShalom + " 2").ok());
}

TEST(ValidateTweetTextTest, AcceptsPairedBidiControls) {
  for (const std::string& text : {
           kRlo + "abc" + kPdf,
           "a " + kRli + kHebrewShalom + kPdi + " b",
           kLre + "x" + kRli + "y" + kPdi + "z" + kPdf,  // nested
           kRli + "one" + kPdi + "\n" + kFsi + "two" + kPdi,
           "mark only " + kRlm + kZwsp + "x",  // marks need no pair
           "\xF0\x9F\x91\xA9" + kZwj + "\xF0\x9F\x92\xBB" + kTagA,
       }) {
    absl::StatusOr<std::string> result = ValidateTweetText(text);
    ASSERT_TRUE(result.ok()) << result.status();
    EXPECT_EQ(*result, text);
    EXPECT_TRUE(ValidateProfile(text).ok()) << text;
  }
}

TEST(ValidateTweetTextTest, RefusesUnpairedBidiControlsSayingWhichAndWhere) {
  struct Case {
    std::string text;
    const char* message;
  };
  for (const Case& c : {
           Case{"abc" + kRlo,
                "U+202E RIGHT-TO-LEFT OVERRIDE at character 4 is not closed "
                "by U+202C POP DIRECTIONAL FORMATTING"},
           Case{kRli + "abc",
                "U+2067 RIGHT-TO-LEFT ISOLATE at character 1 is not closed "
                "by U+2069 POP DIRECTIONAL ISOLATE"},
           Case{"ab" + kPdf,
                "U+202C POP DIRECTIONAL FORMATTING at "
                "character 3 closes nothing"},
           Case{"ab" + kPdi,
                "U+2069 POP DIRECTIONAL ISOLATE at character 3 "
                "closes nothing"},
           // A pair split over two lines is two unpaired controls.
           Case{kRlo + "a\nb" + kPdf, "before the line ends"},
           // Crossed instead of nested.
           Case{kLre + "a" + kRli + "b" + kPdf + "c" + kPdi,
                "U+2067 RIGHT-TO-LEFT ISOLATE at character 3 is not closed "
                "by U+2069 POP DIRECTIONAL ISOLATE before U+202C POP "
                "DIRECTIONAL FORMATTING at character 5"},
           // A closer of the wrong kind does not close.
           Case{kRlo + "a" + kPdi,
                "U+202E RIGHT-TO-LEFT OVERRIDE at "
                "character 1 is not closed"},
           Case{kRlo + kRlo + "a" + kPdf, "at character 1 is not closed"},
       }) {
    absl::StatusOr<std::string> tweet = ValidateTweetText(c.text);
    EXPECT_EQ(tweet.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(tweet.status().message(), HasSubstr(c.message));
    EXPECT_THAT(tweet.status().message(), HasSubstr("text"));
    absl::StatusOr<std::string> profile = ValidateProfile(c.text);
    EXPECT_EQ(profile.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(profile.status().message(), HasSubstr("profile"));
  }
}

TEST(ValidateEmailTest, RefusesBidiControlsZeroWidthAndTagCharacters) {
  for (const Refused& refused : kRefusedInNames) {
    for (const std::string& email : {"an" + refused.text + "n@example.com",
                                     "ann@exam" + refused.text + "ple.com",
                                     "ann@example.com" + refused.text}) {
      EXPECT_EQ(ValidateEmail(email).status().code(),
                absl::StatusCode::kInvalidArgument)
          << refused.code;
    }
  }
  // Paired controls are no excuse in an e-mail key.
  EXPECT_FALSE(ValidateEmail(kRli + "ann" + kPdi + "@example.com").ok());
}

}  // namespace
}  // namespace miniter::rules
