// test_certificates.h: the test-only TLS certificate in tests/client/testdata
// (self-signed for localhost and 127.0.0.1), as files for clients and as
// server credentials for a TLS FakeMiniterServer.
#ifndef MINITER_TESTS_CLIENT_TEST_CERTIFICATES_H_
#define MINITER_TESTS_CLIENT_TEST_CERTIFICATES_H_

#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "grpcpp/security/server_credentials.h"

namespace miniter::client::testing {

// MINITER_CLIENT_TESTDATA_DIR comes from tests/client/CMakeLists.txt.
inline std::string TestDataPath(const std::string& name) {
  return std::string(MINITER_CLIENT_TESTDATA_DIR) + "/" + name;
}

// The certificate is its own CA, so it is also the root a client trusts.
inline std::string TestCaFile() { return TestDataPath("server.pem"); }

inline std::string ReadTestFile(const std::string& name) {
  std::ifstream in(TestDataPath(name));
  std::stringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

inline std::shared_ptr<grpc::ServerCredentials> TestServerCredentials() {
  grpc::SslServerCredentialsOptions options;
  options.pem_key_cert_pairs.push_back(
      {ReadTestFile("server.key"), ReadTestFile("server.pem")});
  return grpc::SslServerCredentials(options);
}

}  // namespace miniter::client::testing

#endif  // MINITER_TESTS_CLIENT_TEST_CERTIFICATES_H_
