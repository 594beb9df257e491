// shared_server_fixture.h: a GoogleTest fixture with one in-process server
// on the test database, started once for the whole test suite (its tests
// share it, as clients share a deployment), and a stub on it for each test.
#ifndef MINITER_TESTS_INTEGRATION_SHARED_SERVER_FIXTURE_H_
#define MINITER_TESTS_INTEGRATION_SHARED_SERVER_FIXTURE_H_

#include <memory>

#include "gtest/gtest.h"
#include "miniter/v1/miniter.grpc.pb.h"
#include "server/app/miniter_server.h"

namespace miniter::testing {

class SharedServerFixture : public ::testing::Test {
 protected:
  // Starts the server with TestServerOptions; fails the suite when it does
  // not start.
  static void SetUpTestSuite();
  static void TearDownTestSuite();
  // A fixture that overrides it calls it first.
  void SetUp() override;

  std::unique_ptr<v1::Miniter::Stub> stub_;

 private:
  static std::unique_ptr<app::MiniterServer>& Server();
};

}  // namespace miniter::testing

#endif  // MINITER_TESTS_INTEGRATION_SHARED_SERVER_FIXTURE_H_
