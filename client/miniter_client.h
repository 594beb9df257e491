// miniter_client.h: a small C++ client for the miniter.v1.Miniter gRPC API,
// shared by the `miniter` CLI, tests and any other C++ program.
#ifndef MINITER_CLIENT_MINITER_CLIENT_H_
#define MINITER_CLIENT_MINITER_CLIENT_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "miniter/v1/miniter.grpc.pb.h"

namespace miniter::client {

// How a MiniterClient talks to the server.
struct ClientOptions {
  // Sent as "authorization: Bearer <access_token>" on every call when not
  // empty. SignUp and Login ignore it on the server side, so one client can
  // log in and then keep going after set_access_token().
  std::string access_token;
  // Every call fails with DEADLINE_EXCEEDED after this long. A deadline on
  // every call keeps a CLI from hanging forever on a dead server;
  // absl::InfiniteDuration() turns it off.
  absl::Duration deadline = absl::Seconds(10);
  // Channel credentials for Connect(); null means plaintext, which is what
  // the miniter server speaks today.
  std::shared_ptr<grpc::ChannelCredentials> credentials;
};

// Wraps the generated stub: adds the bearer token and the deadline to each
// call and turns grpc::Status into absl::Status (same code, the server's
// message kept verbatim).
//
// Every RPC method returns the server's response, or the server's error as
// documented in miniter.proto, or UNAVAILABLE / DEADLINE_EXCEEDED when the
// server cannot be reached in time.
//
// The RPC methods are const and thread-safe; set_access_token() and
// set_deadline() must not race with calls in flight. Copies share the
// channel and are cheap.
class MiniterClient {
 public:
  // Creates a channel to `address` ("host:port"). The channel connects
  // lazily, so this never fails; an unreachable server shows up as
  // UNAVAILABLE on the first call.
  static MiniterClient Connect(const std::string& address,
                               ClientOptions options = {});

  // Uses an existing channel (for example an in-process one in tests).
  explicit MiniterClient(std::shared_ptr<grpc::Channel> channel,
                         ClientOptions options = {});
  // Uses any stub, for example a gMock implementation of StubInterface.
  explicit MiniterClient(
      std::shared_ptr<miniter::v1::Miniter::StubInterface> stub,
      ClientOptions options = {});

  const std::string& access_token() const { return options_.access_token; }
  void set_access_token(std::string token) {
    options_.access_token = std::move(token);
  }
  absl::Duration deadline() const { return options_.deadline; }
  void set_deadline(absl::Duration deadline) { options_.deadline = deadline; }

  absl::StatusOr<miniter::v1::SignUpResponse> SignUp(
      const miniter::v1::SignUpRequest& request) const;
  absl::StatusOr<miniter::v1::LoginResponse> Login(
      const miniter::v1::LoginRequest& request) const;
  absl::StatusOr<miniter::v1::TweetResponse> Tweet(
      const miniter::v1::TweetRequest& request) const;
  absl::StatusOr<miniter::v1::FollowResponse> Follow(
      const miniter::v1::FollowRequest& request) const;
  absl::StatusOr<miniter::v1::UnfollowResponse> Unfollow(
      const miniter::v1::UnfollowRequest& request) const;
  absl::StatusOr<miniter::v1::TimelineResponse> Timeline(
      const miniter::v1::TimelineRequest& request) const;

 private:
  // Fills in the deadline and, when there is a token, the metadata.
  void PrepareContext(grpc::ClientContext& context) const;

  std::shared_ptr<miniter::v1::Miniter::StubInterface> stub_;
  ClientOptions options_;
};

}  // namespace miniter::client

#endif  // MINITER_CLIENT_MINITER_CLIENT_H_
