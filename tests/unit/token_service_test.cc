// token_service_test.cc: access tokens are accepted until they expire and
// refused when malformed, forged, re-signed with another key or algorithm.
#include "server/rules/token_service.h"

#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"

namespace miniter::rules {
namespace {

const std::string kSecret(32, 's');
const absl::Time kNow = absl::FromUnixSeconds(1'800'000'000);

std::unique_ptr<TokenService> MakeService(const std::string& secret = kSecret) {
  return *TokenService::Create(secret, absl::Hours(1));
}

TEST(TokenServiceTest, RefusesShortSecrets) {
  EXPECT_EQ(TokenService::Create(std::string(31, 's'), absl::Hours(1))
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(TokenServiceTest, IssuedTokenVerifiesUntilExpiry) {
  auto service = MakeService();
  absl::StatusOr<IssuedToken> issued = service->Issue(7, kNow);
  ASSERT_TRUE(issued.ok()) << issued.status();
  EXPECT_EQ(issued->expires_at, kNow + absl::Hours(1));
  EXPECT_EQ(*service->Verify(issued->token, kNow), 7u);
  EXPECT_EQ(*service->Verify(issued->token, kNow + absl::Minutes(59)), 7u);
  EXPECT_EQ(service->Verify(issued->token, kNow + absl::Hours(1)).status().code(),
            absl::StatusCode::kUnauthenticated);
}

TEST(TokenServiceTest, LargeUserIdsSurvive) {
  auto service = MakeService();
  const storage::UserId big = 18446744073709551615ull;
  EXPECT_EQ(*service->Verify(service->Issue(big, kNow)->token, kNow), big);
}

TEST(TokenServiceTest, RejectsTokensSignedWithAnotherKey) {
  auto service = MakeService();
  auto other = MakeService(std::string(32, 'o'));
  const std::string token = other->Issue(7, kNow)->token;
  EXPECT_EQ(service->Verify(token, kNow).status().code(),
            absl::StatusCode::kUnauthenticated);
}

TEST(TokenServiceTest, RejectsTamperedPayload) {
  auto service = MakeService();
  const std::string token = service->Issue(7, kNow)->token;
  std::vector<std::string> parts = absl::StrSplit(token, '.');
  ASSERT_EQ(parts.size(), 3u);
  std::string payload;
  ASSERT_TRUE(absl::WebSafeBase64Unescape(parts[1], &payload));
  const size_t at = payload.find("\"sub\":\"7\"");
  ASSERT_NE(at, std::string::npos) << payload;
  payload.replace(at, 9, "\"sub\":\"8\"");
  const std::string forged = absl::StrCat(
      parts[0], ".", absl::WebSafeBase64Escape(payload), ".", parts[2]);
  EXPECT_EQ(service->Verify(forged, kNow).status().code(),
            absl::StatusCode::kUnauthenticated);
}

TEST(TokenServiceTest, RejectsUnsignedAlgNoneTokens) {
  auto service = MakeService();
  const std::string header =
      absl::WebSafeBase64Escape(R"({"alg":"none","typ":"JWT"})");
  const std::string payload = absl::WebSafeBase64Escape(
      R"({"iss":"miniter","sub":"7","exp":1900000000})");
  for (const std::string& token :
       {absl::StrCat(header, ".", payload, "."), absl::StrCat(header, ".", payload)}) {
    EXPECT_EQ(service->Verify(token, kNow).status().code(),
              absl::StatusCode::kUnauthenticated)
        << token;
  }
}

TEST(TokenServiceTest, RejectsGarbage) {
  auto service = MakeService();
  for (const std::string& token :
       {std::string(), std::string("abc"), std::string("a.b.c"),
        std::string(5000, 'a'), std::string("\xFF\xFE")}) {
    EXPECT_EQ(service->Verify(token, kNow).status().code(),
              absl::StatusCode::kUnauthenticated);
  }
}


TEST(TokenServiceTest, DerivedKeysAreFixedPerSecretAndPurpose) {
  auto service = MakeService();
  const std::string key = service->DeriveKey("miniter page token v2");
  EXPECT_EQ(key.size(), TokenService::kDerivedKeyBytes);
  // Every server with the secret derives the same key...
  EXPECT_EQ(MakeService()->DeriveKey("miniter page token v2"), key);
  // ...another purpose or another secret gives another one, and none is
  // the secret itself.
  EXPECT_NE(service->DeriveKey("miniter something else"), key);
  EXPECT_NE(MakeService(std::string(32, 't'))->DeriveKey("miniter page token v2"),
            key);
  EXPECT_EQ(key.find(kSecret), std::string::npos);
}

}  // namespace
}  // namespace miniter::rules
