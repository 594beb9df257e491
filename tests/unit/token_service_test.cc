// token_service_test.cc: access tokens are accepted until they expire and
// refused when malformed, forged, re-signed with another key or algorithm;
// with several secrets, the newest signs, each token names its key, every
// listed secret verifies and a retired one does not.
#include "server/rules/token_service.h"

#include <jwt.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace miniter::rules {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

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
  EXPECT_EQ(
      service->Verify(issued->token, kNow + absl::Hours(1)).status().code(),
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
  for (const std::string& token : {absl::StrCat(header, ".", payload, "."),
                                   absl::StrCat(header, ".", payload)}) {
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

TEST(TokenServiceTest, DerivedKeysFollowTheSecrets) {
  const KeyRing keys = MakeService()->DeriveKeys("miniter page token v3");
  ASSERT_EQ(keys.keys().size(), 1u);
  EXPECT_EQ(keys.newest().id, KeyRing::IdOf(kSecret));
  // Every server with the secret derives the same key; none is the secret.
  EXPECT_EQ(MakeService()->DeriveKeys("miniter page token v3").newest().secret,
            keys.newest().secret);
  EXPECT_EQ(keys.newest().secret.find(kSecret), std::string::npos);
}

// ---- Several secrets (rotation) ---------------------------------------------

const std::string kNewSecret(32, 'n');

std::unique_ptr<TokenService> MakeService(std::vector<std::string> secrets) {
  return *TokenService::Create(std::move(secrets), absl::Hours(1));
}

// The JSON of a token's header.
std::string HeaderOf(const std::string& token) {
  std::string header;
  EXPECT_TRUE(
      absl::WebSafeBase64Unescape(token.substr(0, token.find('.')), &header));
  return header;
}

// A token for user 7 as libjwt makes it, signed with `secret`, with the
// header "kid" `kid` (none when null): what older servers (no kid) or a
// forger who knows a public key id would send.
std::string HandMadeToken(const std::string& secret, const char* kid) {
  jwt_t* jwt = nullptr;
  EXPECT_EQ(jwt_new(&jwt), 0);
  if (kid != nullptr) {
    EXPECT_EQ(jwt_add_header(jwt, "kid", kid), 0);
  }
  EXPECT_EQ(jwt_add_grant(jwt, "iss", "miniter"), 0);
  EXPECT_EQ(jwt_add_grant(jwt, "sub", "7"), 0);
  EXPECT_EQ(
      jwt_add_grant_int(jwt, "exp", absl::ToUnixSeconds(kNow + absl::Hours(1))),
      0);
  EXPECT_EQ(jwt_set_alg(jwt, JWT_ALG_HS256,
                        reinterpret_cast<const unsigned char*>(secret.data()),
                        static_cast<int>(secret.size())),
            0);
  char* encoded = jwt_encode_str(jwt);
  std::string token = encoded == nullptr ? "" : encoded;
  std::free(encoded);
  jwt_free(jwt);
  return token;
}

std::string IdText(const std::string& secret) {
  return absl::WebSafeBase64Escape(KeyRing::IdOf(secret));
}

TEST(TokenServiceTest, TokensCarryTheNewestSecretsKeyIdAndNotTheSecret) {
  const std::string token =
      MakeService({kNewSecret, kSecret})->Issue(7, kNow)->token;
  EXPECT_THAT(HeaderOf(token),
              HasSubstr(absl::StrCat("\"kid\":\"", IdText(kNewSecret), "\"")));
  EXPECT_EQ(token.find(kNewSecret), std::string::npos);
  EXPECT_EQ(MakeService()->KeyIds(), std::vector<std::string>{IdText(kSecret)});
  EXPECT_EQ(MakeService({kNewSecret, kSecret})->KeyIds(),
            (std::vector<std::string>{IdText(kNewSecret), IdText(kSecret)}));
}

TEST(TokenServiceTest, TokensOfEveryListedSecretVerifyAndTheNewestSigns) {
  const std::string old_token = MakeService()->Issue(7, kNow)->token;
  auto rotated = MakeService({kNewSecret, kSecret});
  EXPECT_EQ(*rotated->Verify(old_token, kNow), 7u);
  const std::string new_token = rotated->Issue(8, kNow)->token;
  EXPECT_EQ(*rotated->Verify(new_token, kNow), 8u);
  // Signed with the new secret: a server that has only the new one
  // accepts it, one that has only the old one does not.
  EXPECT_EQ(*MakeService({kNewSecret})->Verify(new_token, kNow), 8u);
  EXPECT_EQ(MakeService()->Verify(new_token, kNow).status().code(),
            absl::StatusCode::kUnauthenticated);
}

TEST(TokenServiceTest, TokensOfARetiredSecretAreUnauthenticated) {
  const std::string old_token = MakeService()->Issue(7, kNow)->token;
  absl::StatusOr<storage::UserId> verified =
      MakeService({kNewSecret})->Verify(old_token, kNow);
  EXPECT_EQ(verified.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(verified.status().message(), HasSubstr("no longer"));
  EXPECT_THAT(verified.status().message(), HasSubstr("log in again"));
}

TEST(TokenServiceTest, AKeyIdDoesNotLetAnotherKeySign) {
  auto service = MakeService({kNewSecret, kSecret});
  // Names a listed key but is signed with an unlisted secret.
  const std::string forged =
      HandMadeToken(std::string(32, 'x'), IdText(kSecret).c_str());
  EXPECT_EQ(service->Verify(forged, kNow).status().code(),
            absl::StatusCode::kUnauthenticated);
  // Signed with a listed secret but names the other listed key.
  const std::string crossed =
      HandMadeToken(kSecret, IdText(kNewSecret).c_str());
  EXPECT_EQ(service->Verify(crossed, kNow).status().code(),
            absl::StatusCode::kUnauthenticated);
  // The same token with the right id is accepted (the hand-made tokens
  // are otherwise valid).
  EXPECT_EQ(
      *service->Verify(HandMadeToken(kSecret, IdText(kSecret).c_str()), kNow),
      7u);
}

TEST(TokenServiceTest, TokensWithoutKeyIdVerifyWithAnyListedSecret) {
  // As servers signed before key ids: no "kid" in the header.
  const std::string legacy = HandMadeToken(kSecret, nullptr);
  EXPECT_THAT(HeaderOf(legacy), Not(HasSubstr("kid")));
  EXPECT_EQ(*MakeService()->Verify(legacy, kNow), 7u);
  EXPECT_EQ(*MakeService({kNewSecret, kSecret})->Verify(legacy, kNow), 7u);
  EXPECT_EQ(*MakeService({kSecret, kNewSecret})->Verify(legacy, kNow), 7u);
  // Not once its secret is gone.
  EXPECT_EQ(MakeService({kNewSecret})->Verify(legacy, kNow).status().code(),
            absl::StatusCode::kUnauthenticated);
  // Altered, it fails with every secret.
  std::string altered = legacy;
  char& in_signature = altered[altered.size() - 5];
  in_signature = in_signature == 'A' ? 'B' : 'A';
  EXPECT_EQ(
      MakeService({kNewSecret, kSecret})->Verify(altered, kNow).status().code(),
      absl::StatusCode::kUnauthenticated);
}

TEST(TokenServiceTest, MalformedHeadersAndKeyIdsAreUnauthenticated) {
  auto service = MakeService({kNewSecret, kSecret});
  const std::string good = service->Issue(7, kNow)->token;
  const std::string rest = good.substr(good.find('.'));
  const std::string kid = IdText(kSecret);
  for (const std::string& header :
       {std::string("not json"), std::string("[]"), std::string("{"),
        absl::StrCat(R"({"alg":"HS256","kid":")", kid, R"(","kid":")", kid,
                     R"("})"),
        std::string(R"({"alg":"HS256","kid":5})"),
        std::string(R"({"alg":"HS256","kid":"!!!!"})"),
        std::string(R"({"alg":"HS256","kid":""})"),
        absl::StrCat(R"({"alg":"HS256","kid":")", kid, "AA\"}"),
        absl::StrCat(R"({"alg":"none","kid":")", kid, "\"}")}) {
    const std::string token =
        absl::StrCat(absl::WebSafeBase64Escape(header), rest);
    EXPECT_EQ(service->Verify(token, kNow).status().code(),
              absl::StatusCode::kUnauthenticated)
        << header;
  }
  for (const std::string& token :
       {std::string("."), std::string(".."), std::string("!!!." + rest),
        absl::StrCat(good.substr(0, good.find('.')), "."),
        std::string("e30") /* {} with no dots */}) {
    EXPECT_EQ(service->Verify(token, kNow).status().code(),
              absl::StatusCode::kUnauthenticated)
        << token;
  }
}

TEST(TokenServiceTest, RefusesBadSecretLists) {
  std::vector<std::string> nine;
  for (char c = 'a'; c < 'a' + 9; ++c) nine.push_back(std::string(32, c));
  for (const std::vector<std::string>& secrets :
       {std::vector<std::string>{}, nine,
        std::vector<std::string>{kNewSecret, std::string(31, 'o')},
        std::vector<std::string>{kSecret, kSecret}}) {
    EXPECT_EQ(TokenService::Create(secrets, absl::Hours(1)).status().code(),
              absl::StatusCode::kInvalidArgument)
        << secrets.size();
  }
}

}  // namespace
}  // namespace miniter::rules
