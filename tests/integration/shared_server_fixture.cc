// shared_server_fixture.cc: starting and stopping the server of
// SharedServerFixture (see shared_server_fixture.h).
#include "tests/integration/shared_server_fixture.h"

#include <utility>

#include "tests/integration/test_environment.h"

namespace miniter::testing {

std::unique_ptr<app::MiniterServer>& SharedServerFixture::Server() {
  static auto* server = new std::unique_ptr<app::MiniterServer>();
  return *server;
}

void SharedServerFixture::SetUpTestSuite() {
  auto started =
      app::MiniterServer::Start(TestServerOptions(TestDatabaseUrl()));
  ASSERT_TRUE(started.ok()) << started.status();
  Server() = *std::move(started);
}

void SharedServerFixture::TearDownTestSuite() { Server().reset(); }

void SharedServerFixture::SetUp() {
  ASSERT_NE(Server(), nullptr) << "the suite's server did not start";
  stub_ = StubForPort(Server()->port());
}

}  // namespace miniter::testing
