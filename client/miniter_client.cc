// miniter_client.cc: the stub wrapper behind the CLI and the tests.
#include "client/miniter_client.h"

#include <utility>

#include "client/status_conversion.h"

namespace miniter::client {
namespace {

using miniter::v1::Miniter;

// One shape for every unary call: prepare the context, call, convert.
template <typename Response, typename Request, typename Method>
absl::StatusOr<Response> Call(Miniter::StubInterface& stub, Method method,
                              grpc::ClientContext& context,
                              const Request& request) {
  Response response;
  grpc::Status status = (stub.*method)(&context, request, &response);
  if (!status.ok()) return FromGrpcStatus(status);
  return response;
}

}  // namespace

MiniterClient MiniterClient::Connect(const std::string& address,
                                     ClientOptions options) {
  std::shared_ptr<grpc::ChannelCredentials> credentials =
      options.credentials ? options.credentials
                          : grpc::InsecureChannelCredentials();
  return MiniterClient(grpc::CreateChannel(address, credentials),
                       std::move(options));
}

MiniterClient::MiniterClient(std::shared_ptr<grpc::Channel> channel,
                             ClientOptions options)
    : stub_(Miniter::NewStub(std::move(channel))),
      options_(std::move(options)) {}

MiniterClient::MiniterClient(std::shared_ptr<Miniter::StubInterface> stub,
                             ClientOptions options)
    : stub_(std::move(stub)), options_(std::move(options)) {}

void MiniterClient::PrepareContext(grpc::ClientContext& context) const {
  context.set_deadline(absl::ToChronoTime(absl::Now() + options_.deadline));
  if (!options_.access_token.empty()) {
    context.AddMetadata("authorization", "Bearer " + options_.access_token);
  }
}

absl::StatusOr<miniter::v1::SignUpResponse> MiniterClient::SignUp(
    const miniter::v1::SignUpRequest& request) const {
  grpc::ClientContext context;
  PrepareContext(context);
  return Call<miniter::v1::SignUpResponse>(
      *stub_, &Miniter::StubInterface::SignUp, context, request);
}

absl::StatusOr<miniter::v1::LoginResponse> MiniterClient::Login(
    const miniter::v1::LoginRequest& request) const {
  grpc::ClientContext context;
  PrepareContext(context);
  return Call<miniter::v1::LoginResponse>(
      *stub_, &Miniter::StubInterface::Login, context, request);
}

absl::StatusOr<miniter::v1::TweetResponse> MiniterClient::Tweet(
    const miniter::v1::TweetRequest& request) const {
  grpc::ClientContext context;
  PrepareContext(context);
  return Call<miniter::v1::TweetResponse>(
      *stub_, &Miniter::StubInterface::Tweet, context, request);
}

absl::StatusOr<miniter::v1::FollowResponse> MiniterClient::Follow(
    const miniter::v1::FollowRequest& request) const {
  grpc::ClientContext context;
  PrepareContext(context);
  return Call<miniter::v1::FollowResponse>(
      *stub_, &Miniter::StubInterface::Follow, context, request);
}

absl::StatusOr<miniter::v1::UnfollowResponse> MiniterClient::Unfollow(
    const miniter::v1::UnfollowRequest& request) const {
  grpc::ClientContext context;
  PrepareContext(context);
  return Call<miniter::v1::UnfollowResponse>(
      *stub_, &Miniter::StubInterface::Unfollow, context, request);
}

absl::StatusOr<miniter::v1::TimelineResponse> MiniterClient::Timeline(
    const miniter::v1::TimelineRequest& request) const {
  grpc::ClientContext context;
  PrepareContext(context);
  return Call<miniter::v1::TimelineResponse>(
      *stub_, &Miniter::StubInterface::Timeline, context, request);
}

}  // namespace miniter::client
