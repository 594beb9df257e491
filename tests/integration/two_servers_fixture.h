// two_servers_fixture.h: a GoogleTest fixture with two in-process servers,
// A and B, started with the same options (so sharing one database and one
// Redis, as replicas behind a load balancer do), and a stub for each: for
// tests of what one server learns of another's writes.
#ifndef MINITER_TESTS_INTEGRATION_TWO_SERVERS_FIXTURE_H_
#define MINITER_TESTS_INTEGRATION_TWO_SERVERS_FIXTURE_H_

#include <memory>

#include "gtest/gtest.h"
#include "miniter/v1/miniter.grpc.pb.h"
#include "server/app/miniter_server.h"
#include "server/app/server_options.h"

namespace miniter::testing {

class TwoServersFixture : public ::testing::Test {
 protected:
  // Starts A and B with `options` (each on a free port); fails the test
  // when either does not start. Call it from SetUp.
  void StartServers(const app::ServerOptions& options);
  // Shuts down whichever started.
  void TearDown() override;

  std::unique_ptr<app::MiniterServer> a_;
  std::unique_ptr<app::MiniterServer> b_;
  std::unique_ptr<v1::Miniter::Stub> stub_a_;
  std::unique_ptr<v1::Miniter::Stub> stub_b_;
};

}  // namespace miniter::testing

#endif  // MINITER_TESTS_INTEGRATION_TWO_SERVERS_FIXTURE_H_
