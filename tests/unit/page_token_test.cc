// page_token_test.cc: timeline cursors round-trip, and every token this
// deployment did not sign is refused: altered, truncated, signed with
// another key, the unsigned "v1" tokens of older servers, and garbage.
#include "server/rules/page_token.h"

#include <string>

#include "absl/strings/escaping.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/rules/token_service.h"

namespace miniter::rules {
namespace {

using ::testing::HasSubstr;

PageTokenCodec Codec(char fill = 'k') {
  return *PageTokenCodec::Create(std::string(32, fill));
}

TEST(PageTokenTest, RoundTripsAsOpaqueUrlSafeText) {
  const PageTokenCodec codec = Codec();
  for (const TimelineCursor& cursor :
       {TimelineCursor{42, 18446744073709551615ull}, TimelineCursor{1, 1},
        TimelineCursor{18446744073709551615ull, 7}}) {
    const std::string token = codec.Encode(cursor);
    EXPECT_EQ(token.size(), 44u);
    EXPECT_EQ(token.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklm"
                                      "nopqrstuvwxyz0123456789-_"),
              std::string::npos)
        << token;
    absl::StatusOr<TimelineCursor> decoded = codec.Decode(token);
    ASSERT_TRUE(decoded.ok()) << decoded.status();
    EXPECT_EQ(decoded->timeline_user_id, cursor.timeline_user_id);
    EXPECT_EQ(decoded->before_tweet_id, cursor.before_tweet_id);
  }
}

TEST(PageTokenTest, EveryAlteredCharacterIsRefused) {
  const PageTokenCodec codec = Codec();
  const std::string token = codec.Encode({42, 1000});
  // 44 characters carry exactly 33 bytes, so each change alters a byte.
  for (std::size_t i = 0; i < token.size(); ++i) {
    for (char replacement : {'A', 'f', '-', '9'}) {
      if (token[i] == replacement) continue;
      std::string altered = token;
      altered[i] = replacement;
      absl::StatusOr<TimelineCursor> decoded = codec.Decode(altered);
      EXPECT_EQ(decoded.status().code(), absl::StatusCode::kInvalidArgument)
          << "position " << i;
      EXPECT_THAT(decoded.status().message(), HasSubstr("page_token"));
    }
  }
}

TEST(PageTokenTest, ACursorPointingElsewhereCannotBeForged) {
  // The attack the signature stops: take a real token, point it deep into
  // history (or at another user) and keep the old signature.
  const PageTokenCodec codec = Codec();
  std::string bytes;
  ASSERT_TRUE(absl::WebSafeBase64Unescape(codec.Encode({42, 1000}), &bytes));
  bytes[16] = 1;  // the low byte of the tweet id: 1000 -> 769
  EXPECT_EQ(codec.Decode(absl::WebSafeBase64Escape(bytes)).status().code(),
            absl::StatusCode::kInvalidArgument);
  ASSERT_TRUE(absl::WebSafeBase64Unescape(codec.Encode({42, 1000}), &bytes));
  bytes[8] = 43;  // the user id
  EXPECT_EQ(codec.Decode(absl::WebSafeBase64Escape(bytes)).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(PageTokenTest, TruncatedOrExtendedTokensAreRefused) {
  const PageTokenCodec codec = Codec();
  const std::string token = codec.Encode({42, 1000});
  for (std::size_t length = 0; length < token.size(); ++length) {
    EXPECT_FALSE(codec.Decode(token.substr(0, length)).ok()) << length;
  }
  EXPECT_FALSE(codec.Decode(token + "A").ok());
  EXPECT_FALSE(codec.Decode(token + "AAAA").ok());
}

TEST(PageTokenTest, TokensSignedWithAnotherKeyAreRefused) {
  const std::string token = Codec('k').Encode({42, 1000});
  absl::StatusOr<TimelineCursor> decoded = Codec('x').Decode(token);
  EXPECT_EQ(decoded.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(decoded.status().message(), HasSubstr("next_page_token"));
}

TEST(PageTokenTest, UnsignedV1TokensOfOlderServersAreRefusedWithAHint) {
  const PageTokenCodec codec = Codec();
  for (const char* v1 : {"v1:42:1000", "v1:3:20", "v1:0:1", "v1:a:b"}) {
    absl::StatusOr<TimelineCursor> decoded =
        codec.Decode(absl::WebSafeBase64Escape(v1));
    EXPECT_EQ(decoded.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(decoded.status().message(),
              "page token from an older server version; start from the "
              "first page")
        << v1;
  }
  // Padded, as Python's urlsafe_b64encode wrote them.
  EXPECT_THAT(codec.Decode("djE6NDI6MTAwMA==").status().message(),
              HasSubstr("older server version"));
}

TEST(PageTokenTest, RejectsGarbage) {
  const PageTokenCodec codec = Codec();
  for (const char* bad : {"", "x", "!!!!", "djI6MToy" /* v2:1:2 */,
                          "' OR 1=1 --"}) {
    EXPECT_EQ(codec.Decode(bad).status().code(),
              absl::StatusCode::kInvalidArgument)
        << bad;
  }
  EXPECT_FALSE(codec.Decode(std::string(200, 'A')).ok());
  EXPECT_FALSE(codec.Decode(std::string(44, 'A')).ok());
}

TEST(PageTokenTest, RefusesShortKeys) {
  EXPECT_EQ(PageTokenCodec::Create(std::string(31, 'k')).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(PageTokenTest, KeyDerivedFromTheTokenSecretIsSharedByServersWithIt) {
  auto make = [](const std::string& secret) {
    std::unique_ptr<TokenService> tokens =
        *TokenService::Create(secret, absl::Hours(1));
    return *PageTokenCodec::Create(tokens->DeriveKey(kPageTokenKeyLabel));
  };
  const std::string secret(32, 's');
  const std::string token = make(secret).Encode({42, 1000});
  // Another server with the same secret accepts it...
  EXPECT_TRUE(make(secret).Decode(token).ok());
  // ...one with another secret does not.
  EXPECT_FALSE(make(std::string(32, 't')).Decode(token).ok());
}

TEST(PageTokenTest, RandomKeysDifferPerCodec) {
  const PageTokenCodec one = PageTokenCodec::WithRandomKey();
  const std::string token = one.Encode({42, 1000});
  EXPECT_TRUE(one.Decode(token).ok());
  EXPECT_FALSE(PageTokenCodec::WithRandomKey().Decode(token).ok());
}

}  // namespace
}  // namespace miniter::rules
