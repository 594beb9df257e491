// log_secrets_test.cc: drives the real server binary (the shared ctest
// fixture "miniter_server") through sign-up, logins right and wrong, tweets
// and token attacks with recognisable secrets, then greps its log: no
// password, token, token secret or database password may appear in it.
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/security/security_support.h"

namespace miniter::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

TEST(LogSecretsTest, NoPasswordOrTokenReachesTheServerLog) {
  const char* address_file = std::getenv("MINITER_TEST_SERVER_ADDRESS_FILE");
  ASSERT_NE(address_file, nullptr)
      << "run through ctest (fixture miniter_server)";
  const std::string address(absl::StripAsciiWhitespace(ReadFile(address_file)));
  const std::string dir(address_file, std::string(address_file).rfind('/'));
  const std::string log_path = dir + "/server.log";

  auto stub = v1::Miniter::NewStub(
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  const std::string password = "Pw-canary-5e1f0c-correct horse";
  const std::string wrong_password = "Pw-canary-9a7b3d-wrong horse";
  v1::SignUpRequest sign_up;
  sign_up.set_name("log canary");
  sign_up.set_email(UniqueEmail("canary"));
  sign_up.set_password(password);
  v1::SignUpResponse created;
  ASSERT_TRUE(stub->SignUp(Context().get(), sign_up, &created).ok());
  // A second SignUp (ALREADY_EXISTS) and a too-short password (rejected).
  ASSERT_FALSE(stub->SignUp(Context().get(), sign_up, &created).ok());
  v1::SignUpRequest short_password = sign_up;
  short_password.set_email(UniqueEmail("canary"));
  short_password.set_password("Pw-c1");
  ASSERT_FALSE(stub->SignUp(Context().get(), short_password, &created).ok());

  v1::LoginRequest login;
  login.set_email(sign_up.email());
  login.set_password(password);
  v1::LoginResponse token;
  ASSERT_TRUE(stub->Login(Context().get(), login, &token).ok());
  login.set_password(wrong_password);
  v1::LoginResponse ignored;
  EXPECT_FALSE(stub->Login(Context().get(), login, &ignored).ok());

  v1::TweetRequest tweet;
  tweet.set_text("logged?");
  v1::TweetResponse posted;
  EXPECT_TRUE(
      stub->Tweet(Context(token.access_token()).get(), tweet, &posted).ok());
  std::string tampered = token.access_token();
  tampered.back() = tampered.back() == 'A' ? 'B' : 'A';
  EXPECT_FALSE(stub->Tweet(Context(tampered).get(), tweet, &posted).ok());
  // An undecodable request whose bytes hold the password.
  RawUnaryCall(
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials()),
      MethodPath("Login"),
      absl::StrCat("\x12",
                   std::string(1, static_cast<char>(password.size() + 1)),
                   password, "\xFF"));

  const std::string log = ReadFile(log_path);
  // The right file: the server announced itself in it.
  ASSERT_THAT(log, HasSubstr("serving miniter.v1.Miniter")) << log_path;
  EXPECT_THAT(log, Not(HasSubstr("Pw-canary")));
  EXPECT_THAT(log, Not(HasSubstr(token.access_token())));
  // The signature alone is the secret part of a token.
  EXPECT_THAT(log, Not(HasSubstr(token.access_token().substr(
                       token.access_token().rfind('.') + 1))));
  EXPECT_THAT(log, Not(HasSubstr(tampered)));
  // tests/db/start_test_server.sh's token secret.
  EXPECT_THAT(log, Not(HasSubstr("client-suite-test-secret")));
  const std::string url = TestDatabaseUrl();
  const std::size_t colon = url.find(':', url.find("//") + 2);
  const std::size_t at = url.find('@');
  ASSERT_NE(colon, std::string::npos);
  ASSERT_NE(at, std::string::npos);
  const std::string db_password = url.substr(colon + 1, at - colon - 1);
  ASSERT_GE(db_password.size(), 8u);
  EXPECT_THAT(log, Not(HasSubstr(db_password)));
}

}  // namespace
}  // namespace miniter::testing
