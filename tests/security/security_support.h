// security_support.h: what the reliability/security suites share: raw gRPC
// frames (bytes no generated stub would send), a check that an answer is a
// client-mistake code rather than UNKNOWN/INTERNAL, and in-process servers
// with chosen options (e.g. tight rate limits).
#ifndef MINITER_TESTS_SECURITY_SECURITY_SUPPORT_H_
#define MINITER_TESTS_SECURITY_SECURITY_SUPPORT_H_

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "grpcpp/grpcpp.h"
#include "server/app/miniter_server.h"
#include "server/app/server_options.h"
#include "tests/integration/test_environment.h"

namespace miniter::testing {

// Every RPC of miniter.v1.Miniter, as "/miniter.v1.Miniter/<Name>".
std::string MethodPath(const std::string& rpc);

// Sends `request_bytes` as the whole request message of unary `method`
// (MethodPath) and returns the status; the response bytes go to
// `response_bytes` when not null. `metadata` is added to the call.
grpc::Status RawUnaryCall(
    const std::shared_ptr<grpc::Channel>& channel, const std::string& method,
    const std::string& request_bytes,
    const std::vector<std::pair<std::string, std::string>>& metadata = {},
    std::string* response_bytes = nullptr);

// A channel to 127.0.0.1:`port` whose client-side limits do not hide what
// the server answers (unlimited send size, large metadata allowed).
std::shared_ptr<grpc::Channel> PermissiveChannel(int port);

// "CODE: message" for failure output.
std::string Describe(const grpc::Status& status);

// Starts an in-process server with TestServerOptions, changed by `adjust`.
// Fails the calling test (and returns null) when it does not start.
std::unique_ptr<app::MiniterServer> StartServer(
    const std::function<void(app::ServerOptions&)>& adjust = {});

}  // namespace miniter::testing

#endif  // MINITER_TESTS_SECURITY_SECURITY_SUPPORT_H_
