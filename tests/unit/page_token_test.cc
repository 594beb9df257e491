// page_token_test.cc: timeline cursors round-trip, and every token this
// deployment did not sign is refused: altered, truncated, signed with
// another key, the tokens of older servers, and garbage; with several keys
// the newest signs, every listed key verifies, a retired one does not.
#include "server/rules/page_token.h"

#include <string>
#include <vector>

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
    EXPECT_EQ(token.size(), 52u);
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
  // 52 characters carry exactly 39 bytes, so each change alters a byte.
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
  bytes[22] = 1;  // the low byte of the tweet id: 1000 -> 769
  EXPECT_EQ(codec.Decode(absl::WebSafeBase64Escape(bytes)).status().code(),
            absl::StatusCode::kInvalidArgument);
  ASSERT_TRUE(absl::WebSafeBase64Unescape(codec.Encode({42, 1000}), &bytes));
  bytes[14] = 43;  // the user id
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
  for (const char* bad :
       {"", "x", "!!!!", "djI6MToy" /* v2:1:2 */, "' OR 1=1 --"}) {
    EXPECT_EQ(codec.Decode(bad).status().code(),
              absl::StatusCode::kInvalidArgument)
        << bad;
  }
  EXPECT_FALSE(codec.Decode(std::string(200, 'A')).ok());
  EXPECT_FALSE(codec.Decode(std::string(44, 'A')).ok());
  EXPECT_FALSE(codec.Decode(std::string(52, 'A')).ok());
}

TEST(PageTokenTest, RefusesShortKeys) {
  EXPECT_EQ(PageTokenCodec::Create(std::string(31, 'k')).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(PageTokenTest, KeyDerivedFromTheTokenSecretIsSharedByServersWithIt) {
  auto make = [](const std::string& secret) {
    std::unique_ptr<TokenService> tokens =
        *TokenService::Create(secret, absl::Hours(1));
    return *PageTokenCodec::Create(tokens->DeriveKeys(kPageTokenKeyLabel));
  };
  const std::string secret(32, 's');
  const std::string token = make(secret).Encode({42, 1000});
  // Another server with the same secret accepts it...
  EXPECT_TRUE(make(secret).Decode(token).ok());
  // ...one with another secret does not.
  EXPECT_FALSE(make(std::string(32, 't')).Decode(token).ok());
}

TEST(PageTokenTest, UnsignedAndUnkeyedTokensOfOlderServersAreRefusedWithAHint) {
  // v2: 0x02 | user id | tweet id | 16-byte tag, without a key id.
  std::string v2(33, '\x01');
  v2[0] = '\x02';
  absl::StatusOr<TimelineCursor> decoded =
      Codec().Decode(absl::WebSafeBase64Escape(v2));
  EXPECT_EQ(decoded.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(decoded.status().message(), HasSubstr("older server version"));
}

// A codec over keys derived from `secrets` (newest first), as a server has.
PageTokenCodec CodecFor(std::vector<std::string> secrets) {
  std::unique_ptr<TokenService> tokens =
      *TokenService::Create(std::move(secrets), absl::Hours(1));
  return *PageTokenCodec::Create(tokens->DeriveKeys(kPageTokenKeyLabel));
}

TEST(PageTokenTest, TokensCarryTheNewestKeyIdAndEveryListedKeyVerifies) {
  const std::string old_secret(32, 's');
  const std::string new_secret(32, 'n');
  const std::string old_token = CodecFor({old_secret}).Encode({42, 1000});
  const PageTokenCodec rotated = CodecFor({new_secret, old_secret});
  absl::StatusOr<TimelineCursor> decoded = rotated.Decode(old_token);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->before_tweet_id, 1000u);

  const std::string new_token = rotated.Encode({42, 900});
  std::string bytes;
  ASSERT_TRUE(absl::WebSafeBase64Unescape(new_token, &bytes));
  EXPECT_EQ(bytes.substr(1, KeyRing::kIdBytes), KeyRing::IdOf(new_secret));
  EXPECT_TRUE(rotated.Decode(new_token).ok());
  EXPECT_TRUE(CodecFor({new_secret}).Decode(new_token).ok());
  EXPECT_FALSE(CodecFor({old_secret}).Decode(new_token).ok());
}

TEST(PageTokenTest, TokensOfARetiredKeyAreInvalidArgument) {
  const std::string token = CodecFor({std::string(32, 's')}).Encode({42, 1000});
  absl::StatusOr<TimelineCursor> decoded =
      CodecFor({std::string(32, 'n')}).Decode(token);
  EXPECT_EQ(decoded.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(decoded.status().message(), HasSubstr("no longer accepts"));
  EXPECT_THAT(decoded.status().message(), HasSubstr("first page"));
}

TEST(PageTokenTest, AKeyIdDoesNotLetAnotherKeySign) {
  // A token signed with one listed key, relabelled as the other's.
  const std::string old_secret(32, 's');
  const std::string new_secret(32, 'n');
  std::string bytes;
  ASSERT_TRUE(absl::WebSafeBase64Unescape(
      CodecFor({old_secret}).Encode({42, 1000}), &bytes));
  bytes.replace(1, KeyRing::kIdBytes, KeyRing::IdOf(new_secret));
  EXPECT_EQ(CodecFor({new_secret, old_secret})
                .Decode(absl::WebSafeBase64Escape(bytes))
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(PageTokenTest, RandomKeysDifferPerCodec) {
  const PageTokenCodec one = PageTokenCodec::WithRandomKey();
  const std::string token = one.Encode({42, 1000});
  EXPECT_TRUE(one.Decode(token).ok());
  EXPECT_FALSE(PageTokenCodec::WithRandomKey().Decode(token).ok());
}

}  // namespace
}  // namespace miniter::rules
