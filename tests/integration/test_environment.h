// test_environment.h: what the integration tests share: the test database's
// URL, an in-process miniter server on a free port, a stub factory, and
// helpers that sign up and log in fresh users with unique e-mails, post
// tweets and follow.
#ifndef MINITER_TESTS_INTEGRATION_TEST_ENVIRONMENT_H_
#define MINITER_TESTS_INTEGRATION_TEST_ENVIRONMENT_H_

#include <memory>
#include <string>

#include "grpcpp/grpcpp.h"
#include "miniter/v1/miniter.grpc.pb.h"
#include "server/app/miniter_server.h"
#include "server/app/server_options.h"

namespace miniter::testing {

// The test database URL: $MINITER_TEST_DATABASE_URL, else the contents of
// the file named by $MINITER_TEST_DATABASE_URL_FILE (written by the ctest
// fixture that starts MariaDB). Aborts the test binary when neither is set.
std::string TestDatabaseUrl();

// The secret every test server signs tokens with.
inline constexpr char kTestTokenSecret[] =
    "integration-test-secret-0123456789abcdef";

// Options for an in-process server on 127.0.0.1:0 against `database_url`.
app::ServerOptions TestServerOptions(const std::string& database_url);

// A stub for a server listening on 127.0.0.1:`port`.
std::unique_ptr<miniter::v1::Miniter::Stub> StubForPort(int port);

// A context with a 10 s deadline and, if `token` is not empty, the bearer
// metadata.
std::unique_ptr<grpc::ClientContext> Context(const std::string& token = "");

// grpc.health.v1.Health/Check of `service` on 127.0.0.1:`port` over a new
// connection, as a Kubernetes probe makes it (2 s deadline): "SERVING",
// "NOT_SERVING", ..., or "error N: message" for a failed call.
std::string HealthOf(int port, const std::string& service);

// A fresh, unique e-mail address ("<prefix>.<random>@example.com").
std::string UniqueEmail(const std::string& prefix);

// A signed-up and logged-in user.
struct TestUser {
  std::uint64_t id = 0;
  std::string name;
  std::string email;
  std::string password;
  std::string token;
};

// Signs up (name, unique e-mail) and logs in; fails the test on error.
TestUser SignUpAndLogin(miniter::v1::Miniter::Stub& stub,
                        const std::string& name);

// Posts `text` as `user`; the new tweet's id (0 after a failure, which also
// fails the test).
std::uint64_t PostTweet(miniter::v1::Miniter::Stub& stub, const TestUser& user,
                        const std::string& text);

// `user` follows `target`; fails the test on error.
void FollowUser(miniter::v1::Miniter::Stub& stub, const TestUser& user,
                const TestUser& target);

}  // namespace miniter::testing

#endif  // MINITER_TESTS_INTEGRATION_TEST_ENVIRONMENT_H_
