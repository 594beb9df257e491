// miniter/client/miniter_client.h: a small C++ client for the
// miniter.v1.Miniter gRPC API, shared by the `miniter` CLI, the tests and any
// other C++ program (installed as the CMake package target miniter::client).
//
// The one public header of the library; it lives under include/miniter/ in
// the source tree too, so in-tree code and installed users write the same
// #include "miniter/client/miniter_client.h".
#ifndef MINITER_CLIENT_MINITER_CLIENT_H_
#define MINITER_CLIENT_MINITER_CLIENT_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "miniter/v1/miniter.grpc.pb.h"

namespace miniter::client {

// Automatic retries of calls that failed with UNAVAILABLE (server down or
// restarting, or its database unreachable), done by gRPC itself from a
// service config on the channel. Only the methods that are safe to send
// twice are retried: the reads (Timeline, GetUser, SearchUsers,
// ListFollowing, ListFollowers, UserTweets), Follow and Unfollow
// (idempotent: following twice is fine, unfollowing someone you do not
// follow is fine), Login (only issues a new token) and Tweet:
// MiniterClient::Tweet gives every request a request_id (a random UUID
// unless the caller set one), and the server stores a tweet once per id, so
// a retry whose first attempt was stored returns that tweet. SignUp is never
// retried: a retry after a lost answer would fail with ALREADY_EXISTS for an
// account that was created.
//
// Every attempt runs inside the call's one deadline (ClientOptions::deadline),
// so retries never make a call take longer than that.
struct RetryOptions {
  bool enabled = true;
  // Attempts in all, the first included; gRPC caps this at 5.
  int max_attempts = 4;
  // The n-th retry waits a random time up to
  // min(initial_backoff * backoff_multiplier^(n-1), max_backoff).
  absl::Duration initial_backoff = absl::Milliseconds(100);
  absl::Duration max_backoff = absl::Seconds(2);
  double backoff_multiplier = 2.0;
};

// TLS for the channel: for a server started with --tls_cert_file and
// --tls_key_file (a TLS port refuses plaintext clients), or for a
// TLS-terminating proxy or load balancer in front of a plaintext one.
struct TlsOptions {
  bool enabled = false;
  // PEM file of the CA(s) that signed the server's certificate; empty means
  // gRPC's default roots (GRPC_DEFAULT_SSL_ROOTS_FILE_PATH or its bundled
  // ones).
  std::string root_ca_file;
  // Client certificate chain and its private key (PEM), for servers that
  // ask for one (mutual TLS). Both or neither.
  std::string client_cert_file;
  std::string client_key_file;
};

// How a MiniterClient talks to the server.
struct ClientOptions {
  // Sent as "authorization: Bearer <access_token>" on every call when not
  // empty. SignUp and Login ignore it on the server side, so one client can
  // log in and then keep going after set_access_token().
  std::string access_token;
  // Every call fails with DEADLINE_EXCEEDED after this long, retries
  // included. A deadline on every call keeps a CLI from hanging forever on a
  // dead server; absl::InfiniteDuration() turns it off.
  absl::Duration deadline = absl::Seconds(10);
  // Used by Connect() only: a MiniterClient built on an existing channel or
  // stub keeps whatever that channel was configured with.
  RetryOptions retry;
  TlsOptions tls;
  // Channel credentials for Connect(), for anything TlsOptions cannot
  // express; mutually exclusive with tls.enabled. Null (and TLS off) means
  // plaintext, what a server without --tls_cert_file speaks.
  std::shared_ptr<grpc::ChannelCredentials> credentials;
};

// The gRPC service config (JSON) that Connect() puts on its channel for
// `retry`: a retryPolicy on UNAVAILABLE for the idempotent methods only.
// Empty when retries are disabled. Exposed for tests and for callers who
// build their own channel.
std::string RetryServiceConfigJson(const RetryOptions& retry);

// A new random request id for TweetRequest.request_id (a version-4 UUID,
// lower-case).
std::string NewRequestId();

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
  // Creates a channel to `address` ("host:port", or any gRPC target such as
  // "dns:///host:port", or a comma-separated list of IP:port such as
  // "127.0.0.1:50051,127.0.0.1:50052") with the retry policy and TLS
  // settings of `options`. Calls are spread round robin over every server
  // the target names; one that is down drops out until it is back. The channel
  // connects lazily, so an unreachable server shows up as UNAVAILABLE on the
  // first call, not here. Fails with INVALID_ARGUMENT for an empty address or
  // contradictory options, and with the file's error (NOT_FOUND,
  // PERMISSION_DENIED, ...) when a TLS file cannot be read.
  static absl::StatusOr<MiniterClient> Connect(const std::string& address,
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
  // Sets request.request_id to a new random UUID when empty, so the retry
  // policy (and a caller retrying with the same request) cannot store the
  // tweet twice.
  absl::StatusOr<miniter::v1::TweetResponse> Tweet(
      const miniter::v1::TweetRequest& request) const;
  absl::StatusOr<miniter::v1::FollowResponse> Follow(
      const miniter::v1::FollowRequest& request) const;
  absl::StatusOr<miniter::v1::UnfollowResponse> Unfollow(
      const miniter::v1::UnfollowRequest& request) const;
  absl::StatusOr<miniter::v1::TimelineResponse> Timeline(
      const miniter::v1::TimelineRequest& request) const;
  absl::StatusOr<miniter::v1::ListFollowingResponse> ListFollowing(
      const miniter::v1::ListFollowingRequest& request) const;
  absl::StatusOr<miniter::v1::ListFollowersResponse> ListFollowers(
      const miniter::v1::ListFollowersRequest& request) const;
  absl::StatusOr<miniter::v1::UserTweetsResponse> UserTweets(
      const miniter::v1::UserTweetsRequest& request) const;

  // Opens the caller's WatchTimeline stream and calls `on_event` with each
  // event as it arrives, until `on_event` returns false (the stream is then
  // cancelled and OK returned) or the stream ends (its status is returned).
  // The stream has no deadline (it is meant to stay open) and is not
  // retried. `resume_cursor`, when not null, receives the cursor to
  // reconnect with: the server's `resume-cursor` trailer when it sent one,
  // else the last event's cursor (unchanged when there was neither).
  absl::Status WatchTimeline(
      const miniter::v1::WatchTimelineRequest& request,
      const std::function<bool(const miniter::v1::WatchTimelineResponse&)>&
          on_event,
      std::string* resume_cursor = nullptr) const;

  absl::StatusOr<miniter::v1::GetUserResponse> GetUser(
      const miniter::v1::GetUserRequest& request) const;
  absl::StatusOr<miniter::v1::SearchUsersResponse> SearchUsers(
      const miniter::v1::SearchUsersRequest& request) const;

 private:
  // Fills in the deadline and, when there is a token, the metadata.
  void PrepareContext(grpc::ClientContext& context) const;

  std::shared_ptr<miniter::v1::Miniter::StubInterface> stub_;
  ClientOptions options_;
};

}  // namespace miniter::client

#endif  // MINITER_CLIENT_MINITER_CLIENT_H_
