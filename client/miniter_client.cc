// miniter_client.cc: the stub wrapper behind the CLI, the tests and the
// installed miniter::client library: channel set-up (retry policy, TLS) and
// one deadline-bounded unary call per RPC.
#include "miniter/client/miniter_client.h"

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <utility>
#include <vector>

#include "absl/random/random.h"
#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "client/status_conversion.h"

namespace miniter::client {
namespace {

using miniter::v1::Miniter;

// The methods that may be sent twice without changing the outcome; see
// RetryOptions in the header. SignUp must never appear here (a retry after
// a lost answer is ALREADY_EXISTS); Tweet may, because Tweet() below always
// sends a request_id, which the server deduplicates.
constexpr const char* kIdempotentMethods[] = {
    "Timeline", "Follow",      "Unfollow",      "Login",         "Tweet",
    "GetUser",  "SearchUsers", "ListFollowing", "ListFollowers", "UserTweets"};
constexpr char kServiceName[] = "miniter.v1.Miniter";

// A google.protobuf.Duration in its JSON form ("0.100000000s"), which is
// what the service config parser accepts.
std::string JsonDuration(absl::Duration d) {
  const int64_t nanos = absl::ToInt64Nanoseconds(d);
  return absl::StrFormat("%d.%09ds", nanos / 1000000000, nanos % 1000000000);
}

// gRPC rejects a service config with a bad retryPolicy by failing every
// call on the channel, which would look like a dead server; catch it here.
absl::Status ValidateRetryOptions(const RetryOptions& retry) {
  if (!retry.enabled) return absl::OkStatus();
  if (retry.max_attempts < 2) {
    return absl::InvalidArgumentError(
        "retry.max_attempts must be at least 2 (or disable retries)");
  }
  if (retry.initial_backoff <= absl::ZeroDuration() ||
      retry.max_backoff <= absl::ZeroDuration() ||
      retry.initial_backoff == absl::InfiniteDuration() ||
      retry.max_backoff == absl::InfiniteDuration()) {
    return absl::InvalidArgumentError(
        "retry backoffs must be positive and finite");
  }
  if (!(retry.backoff_multiplier > 0)) {
    return absl::InvalidArgumentError("retry.backoff_multiplier must be > 0");
  }
  return absl::OkStatus();
}

// Reads a whole PEM file. C stdio rather than ifstream, because errno is
// only reliably set by it, and it gives NOT_FOUND vs PERMISSION_DENIED.
absl::StatusOr<std::string> ReadFile(const std::string& path,
                                     const char* what) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) {
    return absl::ErrnoToStatus(errno,
                               absl::StrCat("cannot open ", what, " ", path));
  }
  std::string contents;
  char buffer[4096];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, file)) > 0) {
    contents.append(buffer, n);
  }
  const bool failed = std::ferror(file) != 0;
  const int error = errno;
  std::fclose(file);
  if (failed) {
    return absl::ErrnoToStatus(error,
                               absl::StrCat("cannot read ", what, " ", path));
  }
  return contents;
}

// The credentials Connect() uses: the caller's own, else TLS from files,
// else plaintext.
absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> MakeCredentials(
    const ClientOptions& options) {
  const TlsOptions& tls = options.tls;
  if (options.credentials != nullptr) {
    if (tls.enabled) {
      return absl::InvalidArgumentError(
          "give either credentials or tls options, not both");
    }
    return options.credentials;
  }
  if (!tls.enabled) return grpc::InsecureChannelCredentials();
  if (tls.client_cert_file.empty() != tls.client_key_file.empty()) {
    return absl::InvalidArgumentError(
        "a TLS client certificate needs its key, and the other way round");
  }
  grpc::SslCredentialsOptions ssl;
  if (!tls.root_ca_file.empty()) {
    absl::StatusOr<std::string> roots =
        ReadFile(tls.root_ca_file, "TLS CA file");
    if (!roots.ok()) return roots.status();
    ssl.pem_root_certs = *std::move(roots);
  }
  if (!tls.client_cert_file.empty()) {
    absl::StatusOr<std::string> cert =
        ReadFile(tls.client_cert_file, "TLS client certificate");
    if (!cert.ok()) return cert.status();
    absl::StatusOr<std::string> key =
        ReadFile(tls.client_key_file, "TLS client key");
    if (!key.ok()) return key.status();
    ssl.pem_cert_chain = *std::move(cert);
    ssl.pem_private_key = *std::move(key);
  }
  return grpc::SslCredentials(ssl);
}

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

std::string NewRequestId() {
  // absl::BitGen is seeded from the OS; 122 random bits make a collision
  // within one account's tweets negligible.
  thread_local absl::BitGen bitgen;
  const uint64_t high = absl::Uniform<uint64_t>(bitgen);
  const uint64_t low = absl::Uniform<uint64_t>(bitgen);
  // RFC 4122 version 4 layout: xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx.
  return absl::StrFormat(
      "%08x-%04x-4%03x-%04x-%012x", high >> 32, (high >> 16) & 0xFFFF,
      high & 0x0FFF, 0x8000 | ((low >> 48) & 0x3FFF), low & 0xFFFFFFFFFFFFull);
}

std::string RetryServiceConfigJson(const RetryOptions& retry) {
  if (!retry.enabled) return "";
  std::string names;
  for (const char* method : kIdempotentMethods) {
    absl::StrAppend(&names, names.empty() ? "" : ", ",
                    absl::StrFormat(R"({"service": "%s", "method": "%s"})",
                                    kServiceName, method));
  }
  return absl::StrFormat(
      R"({"methodConfig": [{"name": [%s], "retryPolicy": {)"
      R"("maxAttempts": %d, "initialBackoff": "%s", "maxBackoff": "%s", )"
      R"("backoffMultiplier": %g, "retryableStatusCodes": ["UNAVAILABLE"]}}]})",
      names, retry.max_attempts, JsonDuration(retry.initial_backoff),
      JsonDuration(retry.max_backoff), retry.backoff_multiplier);
}

// "a:1,b:2" -> "ipv4:a:1,b:2"; a single address is used as given.
static absl::StatusOr<std::string> ChannelTarget(const std::string& address) {
  if (address.find(',') == std::string::npos) return address;
  // Several servers: gRPC's ipv4:/ipv6: resolvers take a comma-separated
  // list of literal addresses; host names would need a DNS name that
  // resolves to all of them instead (dns:///name:port).
  std::vector<std::string> parts = absl::StrSplit(address, ',');
  const bool ipv6 = !parts.front().empty() && parts.front()[0] == '[';
  for (const std::string& part : parts) {
    const bool ok = ipv6 ? absl::StartsWith(part, "[")
                         : !part.empty() &&
                               part.find_first_not_of("0123456789.:") ==
                                   std::string::npos &&
                               part.find(':') != std::string::npos;
    if (!ok) {
      return absl::InvalidArgumentError(absl::StrCat(
          "\"", part, "\" in the server list \"", address,
          "\" is not an IP:port (a list takes literal addresses of one "
          "family, e.g. 127.0.0.1:50051,127.0.0.1:50052; for host names use "
          "one DNS name that resolves to all servers, dns:///name:port)"));
    }
  }
  return absl::StrCat(ipv6 ? "ipv6:" : "ipv4:", address);
}

absl::StatusOr<MiniterClient> MiniterClient::Connect(const std::string& address,
                                                     ClientOptions options) {
  if (address.empty()) {
    return absl::InvalidArgumentError("empty server address");
  }
  absl::StatusOr<std::string> target = ChannelTarget(address);
  if (!target.ok()) return target.status();
  if (absl::Status s = ValidateRetryOptions(options.retry); !s.ok()) return s;
  absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> credentials =
      MakeCredentials(options);
  if (!credentials.ok()) return credentials.status();

  grpc::ChannelArguments args;
  // Round robin: each call goes to the next connected server, and a server
  // that goes away simply drops out of the rotation until it is back
  // (pick_first, the default, would keep every call on one server). With a
  // single literal address it behaves like pick_first.
  args.SetLoadBalancingPolicyName("round_robin");
  if (options.retry.enabled) {
    // gRPC 1.51 enables retries by default (the retry tests pass without
    // this line); say so anyway, so that a gRPC built with another default
    // cannot silently ignore the policy.
    args.SetInt(GRPC_ARG_ENABLE_RETRIES, 1);
    // The "default" service config: used unless the name resolver supplies
    // one, which the DNS resolver does not unless asked to.
    args.SetServiceConfigJSON(RetryServiceConfigJson(options.retry));
  }
  return MiniterClient(
      grpc::CreateCustomChannel(*target, *std::move(credentials), args),
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
  if (!request.request_id().empty()) {
    return Call<miniter::v1::TweetResponse>(
        *stub_, &Miniter::StubInterface::Tweet, context, request);
  }
  miniter::v1::TweetRequest with_id = request;
  with_id.set_request_id(NewRequestId());
  return Call<miniter::v1::TweetResponse>(
      *stub_, &Miniter::StubInterface::Tweet, context, with_id);
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

absl::StatusOr<miniter::v1::ListFollowingResponse> MiniterClient::ListFollowing(
    const miniter::v1::ListFollowingRequest& request) const {
  grpc::ClientContext context;
  PrepareContext(context);
  return Call<miniter::v1::ListFollowingResponse>(
      *stub_, &Miniter::StubInterface::ListFollowing, context, request);
}

absl::StatusOr<miniter::v1::ListFollowersResponse> MiniterClient::ListFollowers(
    const miniter::v1::ListFollowersRequest& request) const {
  grpc::ClientContext context;
  PrepareContext(context);
  return Call<miniter::v1::ListFollowersResponse>(
      *stub_, &Miniter::StubInterface::ListFollowers, context, request);
}

absl::StatusOr<miniter::v1::UserTweetsResponse> MiniterClient::UserTweets(
    const miniter::v1::UserTweetsRequest& request) const {
  grpc::ClientContext context;
  PrepareContext(context);
  return Call<miniter::v1::UserTweetsResponse>(
      *stub_, &Miniter::StubInterface::UserTweets, context, request);
}

absl::Status MiniterClient::WatchTimeline(
    const miniter::v1::WatchTimelineRequest& request,
    const std::function<bool(const miniter::v1::WatchTimelineResponse&)>&
        on_event,
    std::string* resume_cursor) const {
  grpc::ClientContext context;
  if (!options_.access_token.empty()) {
    context.AddMetadata("authorization", "Bearer " + options_.access_token);
  }
  std::unique_ptr<
      grpc::ClientReaderInterface<miniter::v1::WatchTimelineResponse>>
      reader = stub_->WatchTimeline(&context, request);
  miniter::v1::WatchTimelineResponse event;
  bool stopped = false;
  while (reader->Read(&event)) {
    if (resume_cursor != nullptr) *resume_cursor = event.cursor();
    if (!on_event(event)) {
      stopped = true;
      context.TryCancel();
      break;
    }
  }
  if (stopped) {
    // Drains what is still in flight; the status is CANCELLED, which is
    // this call's own doing.
    while (reader->Read(&event)) {
    }
  }
  const grpc::Status status = reader->Finish();
  if (resume_cursor != nullptr && !stopped) {
    const auto& trailers = context.GetServerTrailingMetadata();
    const auto trailer = trailers.find("resume-cursor");
    if (trailer != trailers.end()) {
      *resume_cursor =
          std::string(trailer->second.data(), trailer->second.size());
    }
  }
  return stopped ? absl::OkStatus() : FromGrpcStatus(status);
}

absl::StatusOr<miniter::v1::GetUserResponse> MiniterClient::GetUser(
    const miniter::v1::GetUserRequest& request) const {
  grpc::ClientContext context;
  PrepareContext(context);
  return Call<miniter::v1::GetUserResponse>(
      *stub_, &Miniter::StubInterface::GetUser, context, request);
}

absl::StatusOr<miniter::v1::SearchUsersResponse> MiniterClient::SearchUsers(
    const miniter::v1::SearchUsersRequest& request) const {
  grpc::ClientContext context;
  PrepareContext(context);
  return Call<miniter::v1::SearchUsersResponse>(
      *stub_, &Miniter::StubInterface::SearchUsers, context, request);
}

}  // namespace miniter::client
