// secret_rotation_test.cc: rotating the token secret on the real server
// binary, as README's procedure does it: a server with secret A; restarted
// with "A, B" it still signs with A; with "B, A" (B newest) it still
// accepts A's access and page tokens and signs new ones with B; restarted
// with B alone it refuses A's. Bad secret lists stop the server at start
// with a message that shows no secret.
#include <signal.h>
#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/rules/key_ring.h"
#include "tests/integration/server_process.h"
#include "tests/security/security_support.h"

namespace miniter::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

const std::string kSecretA = "rotation-test-secret-A-0123456789abcdef";
const std::string kSecretB = "rotation-test-secret-B-0123456789abcdef";

std::string IdText(const std::string& secret) {
  return absl::WebSafeBase64Escape(rules::KeyRing::IdOf(secret));
}

// The "kid" of an access token's (JWT) header; empty when it has none.
std::string KeyIdOf(const std::string& token) {
  std::string header;
  EXPECT_TRUE(
      absl::WebSafeBase64Unescape(token.substr(0, token.find('.')), &header));
  const std::string field = "\"kid\":\"";
  const std::size_t at = header.find(field);
  if (at == std::string::npos) return "";
  const std::size_t start = at + field.size();
  return header.substr(start, header.find('"', start) - start);
}

// The raw key id a page token carries (bytes 1-6 of its base64 payload).
std::string PageTokenKeyId(const std::string& token) {
  std::string bytes;
  EXPECT_TRUE(absl::WebSafeBase64Unescape(token, &bytes));
  return bytes.substr(1, rules::KeyRing::kIdBytes);
}

class SecretRotationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    port_ = FreePort();
    const std::string base =
        absl::StrCat(::testing::TempDir(), "miniter-rotation-", port_);
    log_path_ = base + ".log";
    secrets_path_ = base + ".secrets";
    std::remove(log_path_.c_str());
  }
  void TearDown() override {
    std::remove(secrets_path_.c_str());
    // Whatever the outcome, no secret reaches the log.
    const std::string log = ReadTextFile(log_path_);
    EXPECT_THAT(log, Not(HasSubstr(kSecretA)));
    EXPECT_THAT(log, Not(HasSubstr(kSecretB)));
  }

  // A server whose --token_secret_file (through its environment variable)
  // holds `file_contents`.
  std::unique_ptr<ServerProcess> StartWithSecretFile(
      const std::string& file_contents) {
    std::ofstream(secrets_path_, std::ios::trunc) << file_contents;
    auto server = std::make_unique<ServerProcess>(
        port_, log_path_,
        std::vector<std::pair<std::string, std::string>>{
            {"MINITER_TOKEN_SECRET", ""},
            {"MINITER_TOKEN_SECRET_FILE", secrets_path_}});
    EXPECT_TRUE(server->WaitUntilServing()) << ReadTextFile(log_path_);
    return server;
  }

  // Timeline of the caller's own tweets, `page_size` at a time.
  grpc::Status Timeline(v1::Miniter::Stub& stub, const std::string& token,
                        const std::string& page_token,
                        v1::TimelineResponse* response) {
    v1::TimelineRequest request;
    request.set_page_size(2);
    request.set_page_token(page_token);
    return stub.Timeline(Context(token).get(), request, response);
  }

  void Stop(ServerProcess& server) {
    const int status = server.StopWith(SIGTERM, absl::Seconds(15));
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  }

  int port_ = 0;
  std::string log_path_;
  std::string secrets_path_;
};

TEST_F(SecretRotationTest, OldTokensWorkUntilTheOldSecretIsDropped) {
  TestUser user;
  std::string page_token_a;
  std::uint64_t oldest_tweet = 0;
  {
    auto server = StartWithSecretFile(kSecretA + "\n");
    auto stub = StubForPort(port_);
    user = SignUpAndLogin(*stub, "rotation");
    ASSERT_FALSE(user.token.empty());
    EXPECT_EQ(KeyIdOf(user.token), IdText(kSecretA));
    for (const char* text : {"one", "two", "three"}) {
      v1::TweetRequest request;
      request.set_text(text);
      v1::TweetResponse response;
      ASSERT_TRUE(
          stub->Tweet(Context(user.token).get(), request, &response).ok());
      if (oldest_tweet == 0) oldest_tweet = response.tweet().id();
    }
    v1::TimelineResponse page;
    ASSERT_TRUE(Timeline(*stub, user.token, "", &page).ok());
    ASSERT_EQ(page.tweets_size(), 2);
    page_token_a = page.next_page_token();
    ASSERT_FALSE(page_token_a.empty());
    EXPECT_EQ(PageTokenKeyId(page_token_a), rules::KeyRing::IdOf(kSecretA));
    Stop(*server);
  }

  // Step 1 of the rotation: B accepted, A still signs.
  {
    auto server = StartWithSecretFile(kSecretA + "\n" + kSecretB + "\n");
    auto stub = StubForPort(port_);
    EXPECT_THAT(
        ReadTextFile(log_path_),
        HasSubstr(absl::StrCat("tokens signed with key id ", IdText(kSecretA),
                               "; also accepted: ", IdText(kSecretB))));
    v1::TimelineResponse page;
    grpc::Status status = Timeline(*stub, user.token, "", &page);
    EXPECT_TRUE(status.ok()) << Describe(status);
    v1::LoginRequest login;
    login.set_email(user.email);
    login.set_password(user.password);
    v1::LoginResponse logged_in;
    status = stub->Login(Context().get(), login, &logged_in);
    ASSERT_TRUE(status.ok()) << Describe(status);
    EXPECT_EQ(KeyIdOf(logged_in.access_token()), IdText(kSecretA));
    Stop(*server);
  }

  // Step 2: B in front, A still listed.
  std::string token_b;
  std::string page_token_b;
  {
    std::remove(log_path_.c_str());
    auto server = StartWithSecretFile(kSecretB + "\n" + kSecretA + "\n");
    auto stub = StubForPort(port_);
    EXPECT_THAT(
        ReadTextFile(log_path_),
        HasSubstr(absl::StrCat("tokens signed with key id ", IdText(kSecretB),
                               "; also accepted: ", IdText(kSecretA))));
    // Nobody is logged out: A's access token and page token still work.
    v1::TimelineResponse rest;
    grpc::Status status = Timeline(*stub, user.token, page_token_a, &rest);
    ASSERT_TRUE(status.ok()) << Describe(status);
    ASSERT_EQ(rest.tweets_size(), 1);
    EXPECT_EQ(rest.tweets(0).id(), oldest_tweet);
    // New tokens are B's.
    v1::LoginRequest login;
    login.set_email(user.email);
    login.set_password(user.password);
    v1::LoginResponse logged_in;
    status = stub->Login(Context().get(), login, &logged_in);
    ASSERT_TRUE(status.ok()) << Describe(status);
    token_b = logged_in.access_token();
    EXPECT_EQ(KeyIdOf(token_b), IdText(kSecretB));
    v1::TimelineResponse page;
    status = Timeline(*stub, token_b, "", &page);
    ASSERT_TRUE(status.ok()) << Describe(status);
    page_token_b = page.next_page_token();
    EXPECT_EQ(PageTokenKeyId(page_token_b), rules::KeyRing::IdOf(kSecretB));
    Stop(*server);
  }

  // Step 3: A dropped (here through MINITER_TOKEN_SECRET, the other way to
  // give the list).
  {
    auto server = std::make_unique<ServerProcess>(
        port_, log_path_,
        std::vector<std::pair<std::string, std::string>>{
            {"MINITER_TOKEN_SECRET", kSecretB}});
    ASSERT_TRUE(server->WaitUntilServing()) << ReadTextFile(log_path_);
    auto stub = StubForPort(port_);
    v1::TimelineResponse page;
    grpc::Status status = Timeline(*stub, user.token, "", &page);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED)
        << Describe(status);
    v1::TweetRequest tweet;
    tweet.set_text("with a retired secret's token");
    v1::TweetResponse tweeted;
    status = stub->Tweet(Context(user.token).get(), tweet, &tweeted);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED)
        << Describe(status);
    // B's tokens go on working; A's page token is refused like a forged one.
    status = Timeline(*stub, token_b, page_token_b, &page);
    EXPECT_TRUE(status.ok()) << Describe(status);
    status = Timeline(*stub, token_b, page_token_a, &page);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << Describe(status);
    Stop(*server);
  }
}

TEST_F(SecretRotationTest, BadSecretListsStopTheServerWithoutShowingASecret) {
  const std::string short_secret = "rotation-short-secret";
  struct Case {
    std::string secrets;
    std::string message;
  };
  std::string nine;
  for (char c = '1'; c <= '9'; ++c) {
    absl::StrAppend(&nine, kSecretA, std::string(1, c), c == '9' ? "" : ",");
  }
  const std::vector<Case> cases = {
      {absl::StrCat(kSecretB, ",", short_secret),
       "token secret 2 of 2 must be at least 32 bytes"},
      {absl::StrCat(kSecretA, ",", kSecretB, ",", kSecretA), "listed twice"},
      {nine, "at most 8 token secrets"},
  };
  for (const Case& bad : cases) {
    SCOPED_TRACE(bad.message);
    std::remove(log_path_.c_str());
    ServerProcess server(port_, log_path_,
                         {{"MINITER_TOKEN_SECRET", bad.secrets}});
    const int status = server.WaitForExit(absl::Seconds(30));
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) != 0) << status;
    const std::string log = ReadTextFile(log_path_);
    EXPECT_THAT(log, HasSubstr(bad.message));
    EXPECT_THAT(log, Not(HasSubstr(short_secret)));
  }
}

}  // namespace
}  // namespace miniter::testing
