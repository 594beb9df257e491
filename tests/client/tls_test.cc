// tls_test.cc: MiniterClient's TLS options against an in-process fake server
// that serves tests/client/testdata/server.pem, and the errors Connect gives
// for unusable TLS settings.
#include <string>

#include "absl/status/status.h"
#include "gtest/gtest.h"
#include "miniter/client/miniter_client.h"
#include "tests/client/fake_miniter_service.h"
#include "tests/client/test_certificates.h"

namespace miniter::client {
namespace {

using ::miniter::client::testing::FakeMiniterServer;
using ::miniter::client::testing::TestCaFile;
using ::miniter::client::testing::TestDataPath;
using ::miniter::client::testing::TestServerCredentials;

TEST(TlsTest, TalksToATlsServerSignedByTheGivenCa) {
  FakeMiniterServer server(TestServerCredentials());
  ASSERT_TRUE(server.started());
  ClientOptions options;
  options.tls.enabled = true;
  options.tls.root_ca_file = TestCaFile();
  absl::StatusOr<MiniterClient> client =
      MiniterClient::Connect(server.address(), options);
  ASSERT_TRUE(client.ok()) << client.status();

  absl::StatusOr<miniter::v1::TimelineResponse> timeline = client->Timeline({});
  ASSERT_TRUE(timeline.ok()) << timeline.status();
  EXPECT_EQ(server.service().calls(), 1);
}

TEST(TlsTest, PlaintextClientCannotTalkToTlsServer) {
  FakeMiniterServer server(TestServerCredentials());
  ASSERT_TRUE(server.started());
  ClientOptions options;
  options.deadline = absl::Seconds(2);
  options.retry.enabled = false;
  absl::StatusOr<MiniterClient> client =
      MiniterClient::Connect(server.address(), options);
  ASSERT_TRUE(client.ok()) << client.status();
  EXPECT_FALSE(client->Timeline({}).ok());
  EXPECT_EQ(server.service().calls(), 0);
}

TEST(TlsTest, MissingCaFileIsReportedByConnect) {
  ClientOptions options;
  options.tls.enabled = true;
  options.tls.root_ca_file = TestDataPath("no-such-ca.pem");
  absl::Status status = MiniterClient::Connect("127.0.0.1:1", options).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound) << status;
  EXPECT_NE(status.message().find("no-such-ca.pem"), absl::string_view::npos);
}

TEST(TlsTest, ContradictoryOptionsAreInvalid) {
  ClientOptions options;
  options.tls.enabled = true;
  options.tls.client_cert_file = TestCaFile();  // and no key
  EXPECT_EQ(MiniterClient::Connect("127.0.0.1:1", options).status().code(),
            absl::StatusCode::kInvalidArgument);

  options = ClientOptions{};
  options.tls.enabled = true;
  options.credentials = grpc::InsecureChannelCredentials();
  EXPECT_EQ(MiniterClient::Connect("127.0.0.1:1", options).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace miniter::client
