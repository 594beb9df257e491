// two_servers_fixture.cc: starting and stopping the servers of
// TwoServersFixture (see two_servers_fixture.h).
#include "tests/integration/two_servers_fixture.h"

#include <utility>

#include "tests/integration/test_environment.h"

namespace miniter::testing {

void TwoServersFixture::StartServers(const app::ServerOptions& options) {
  for (auto* server : {&a_, &b_}) {
    auto started = app::MiniterServer::Start(options);
    ASSERT_TRUE(started.ok()) << started.status();
    *server = *std::move(started);
  }
  stub_a_ = StubForPort(a_->port());
  stub_b_ = StubForPort(b_->port());
}

void TwoServersFixture::TearDown() {
  for (auto* server : {&a_, &b_}) {
    if (*server != nullptr) (*server)->Shutdown();
  }
}

}  // namespace miniter::testing
