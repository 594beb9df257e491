// tls_test.cc: given a certificate and key, the server speaks TLS only:
// TLS clients that trust the certificate work, plaintext clients are
// refused on that port. The pair is made fresh with openssl.
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/integration/test_environment.h"

namespace miniter::testing {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

TEST(TlsTest, TlsClientsWorkAndPlaintextIsRefused) {
  const std::string dir =
      absl::StrCat(::testing::TempDir(), "miniter-tls-", getpid());
  const std::string cert = dir + "/server.pem";
  const std::string key = dir + "/server.key";
  const std::string command = absl::StrCat(
      "mkdir -p ", dir, " && openssl req -x509 -newkey rsa:2048 -nodes -days 1",
      " -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1",
      " -keyout ", key, " -out ", cert, " 2>/dev/null");
  ASSERT_EQ(std::system(command.c_str()), 0) << command;

  app::ServerOptions options = TestServerOptions(TestDatabaseUrl());
  options.tls_cert_file = cert;
  options.tls_key_file = key;
  absl::StatusOr<std::unique_ptr<app::MiniterServer>> server =
      app::MiniterServer::Start(options);
  ASSERT_TRUE(server.ok()) << server.status();
  const std::string address = absl::StrCat("127.0.0.1:", (*server)->port());

  grpc::SslCredentialsOptions trust;
  trust.pem_root_certs = ReadFile(cert);
  auto tls_stub = v1::Miniter::NewStub(
      grpc::CreateChannel(address, grpc::SslCredentials(trust)));
  TestUser user = SignUpAndLogin(*tls_stub, "tls");
  EXPECT_NE(user.id, 0u);
  EXPECT_FALSE(user.token.empty());

  // A plaintext client cannot complete a call on the TLS port.
  auto plaintext_stub = v1::Miniter::NewStub(
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  v1::LoginRequest login;
  login.set_email(user.email);
  login.set_password(user.password);
  v1::LoginResponse response;
  auto context = Context();
  context->set_deadline(std::chrono::system_clock::now() +
                        std::chrono::seconds(3));
  grpc::Status status = plaintext_stub->Login(context.get(), login, &response);
  EXPECT_FALSE(status.ok());
  EXPECT_TRUE(status.error_code() == grpc::StatusCode::UNAVAILABLE ||
              status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED)
      << status.error_code() << " " << status.error_message();
  EXPECT_TRUE(response.access_token().empty());

  std::system(absl::StrCat("rm -rf ", dir).c_str());
}

TEST(TlsTest, CertificateWithoutKeyIsRefusedAtStart) {
  app::ServerOptions options = TestServerOptions(TestDatabaseUrl());
  options.tls_cert_file = "/nonexistent/server.pem";
  options.tls_key_file = "/nonexistent/server.key";
  absl::StatusOr<std::unique_ptr<app::MiniterServer>> server =
      app::MiniterServer::Start(options);
  EXPECT_EQ(server.status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace miniter::testing
