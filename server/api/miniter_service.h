// miniter_service.h: the gRPC adapter: miniter.v1.Miniter requests in,
// calls to MiniterRules, responses and status codes out.
//
// Nothing here decides anything; it translates. Rules live in
// server/rules/, storage behind server/storage/.
#ifndef MINITER_SERVER_API_MINITER_SERVICE_H_
#define MINITER_SERVER_API_MINITER_SERVICE_H_

#include <memory>
#include <set>
#include <string>

#include "absl/status/status.h"
#include "grpcpp/grpcpp.h"
#include "miniter/v1/miniter.grpc.pb.h"
#include "server/rules/miniter_rules.h"
#include "server/watch/timeline_watch.h"

namespace miniter::api {

// absl and gRPC share status code numbers, so the mapping keeps code and
// message. UNKNOWN (which says nothing useful to a caller) becomes
// INTERNAL. A retry hint (server/common/retry_hint.h) is appended to the
// message as "retry after N ms".
grpc::Status ToGrpcStatus(const absl::Status& status);

// The same, and also sends a retry hint as the `retry-after-ms` trailer
// (decimal milliseconds), so clients need not parse the message.
grpc::Status ToGrpcStatus(const absl::Status& status,
                          grpc::ServerContext* context);

// The client's IP address for rate limits. `grpc_peer` is
// ServerContext::peer() ("ipv4:10.0.0.7:41234", "ipv6:[::1]:41234"); its
// address is the answer unless it is one of `trusted_proxies`, in which
// case the last address of `forwarded_for` (the last x-forwarded-for value,
// the one the proxy appended) is, when there is one. Never trusting the
// header from anyone else keeps clients from choosing their own key.
std::string ClientAddress(absl::string_view grpc_peer,
                          absl::string_view forwarded_for,
                          const std::set<std::string>& trusted_proxies);

// The key rate limits count an address under: IPv4 addresses as they are,
// IPv6 addresses by their first `ipv6_prefix_bits` bits ("2001:db8:1:2::/64"
// for 64), since one host usually holds a whole /64 and could otherwise
// pick a fresh key per call; IPv4-mapped IPv6 addresses as the IPv4 one.
// Anything else (unix:, in-process) is its own key.
std::string RateLimitKey(absl::string_view address, int ipv6_prefix_bits);

// The API's Tweet message for `tweet` (also used by WatchTimeline).
void TweetToProto(const storage::TweetRecord& tweet, miniter::v1::Tweet* out);

// Thread-safe: the sync gRPC server calls it from many threads.
// WatchTimeline alone is on the callback API (watch_timeline_reactor.h), so
// that an open stream holds no thread.
class MiniterService final
    : public miniter::v1::Miniter::WithCallbackMethod_WatchTimeline<
          miniter::v1::Miniter::Service> {
 public:
  // `trusted_proxies`: see ClientAddress; `ipv6_prefix_bits`: see
  // RateLimitKey. `watch` serves WatchTimeline (null: UNIMPLEMENTED), with
  // `watch_buffer_events` events queued per stream at most.
  explicit MiniterService(std::shared_ptr<rules::MiniterRules> rules,
                          std::set<std::string> trusted_proxies = {},
                          int ipv6_prefix_bits = 64,
                          std::shared_ptr<watch::TimelineWatch> watch = nullptr,
                          int watch_buffer_events = 256);

  grpc::Status SignUp(grpc::ServerContext* context,
                      const miniter::v1::SignUpRequest* request,
                      miniter::v1::SignUpResponse* response) override;
  grpc::Status Login(grpc::ServerContext* context,
                     const miniter::v1::LoginRequest* request,
                     miniter::v1::LoginResponse* response) override;
  grpc::Status Tweet(grpc::ServerContext* context,
                     const miniter::v1::TweetRequest* request,
                     miniter::v1::TweetResponse* response) override;
  grpc::Status Follow(grpc::ServerContext* context,
                      const miniter::v1::FollowRequest* request,
                      miniter::v1::FollowResponse* response) override;
  grpc::Status Unfollow(grpc::ServerContext* context,
                        const miniter::v1::UnfollowRequest* request,
                        miniter::v1::UnfollowResponse* response) override;
  grpc::Status Timeline(grpc::ServerContext* context,
                        const miniter::v1::TimelineRequest* request,
                        miniter::v1::TimelineResponse* response) override;
  grpc::Status ListFollowing(
      grpc::ServerContext* context,
      const miniter::v1::ListFollowingRequest* request,
      miniter::v1::ListFollowingResponse* response) override;
  grpc::Status ListFollowers(
      grpc::ServerContext* context,
      const miniter::v1::ListFollowersRequest* request,
      miniter::v1::ListFollowersResponse* response) override;
  grpc::Status UserTweets(grpc::ServerContext* context,
                          const miniter::v1::UserTweetsRequest* request,
                          miniter::v1::UserTweetsResponse* response) override;
  grpc::ServerWriteReactor<miniter::v1::WatchTimelineResponse>* WatchTimeline(
      grpc::CallbackServerContext* context,
      const miniter::v1::WatchTimelineRequest* request) override;
  grpc::Status GetUser(grpc::ServerContext* context,
                       const miniter::v1::GetUserRequest* request,
                       miniter::v1::GetUserResponse* response) override;
  grpc::Status SearchUsers(grpc::ServerContext* context,
                           const miniter::v1::SearchUsersRequest* request,
                           miniter::v1::SearchUsersResponse* response) override;

 private:
  // The authenticated caller of this call, from its "authorization"
  // metadata; also noted for the call log (call_notes.h).
  absl::StatusOr<storage::UserId> Caller(
      const grpc::ServerContextBase& context) const;

  // ListFollowing and ListFollowers, which differ only in the rules'
  // method they call.
  using UserListMethod = absl::StatusOr<rules::UserListPage> (
      rules::MiniterRules::*)(storage::UserId, storage::UserId, int,
                              absl::string_view);
  template <typename Request, typename Response>
  grpc::Status ServeUserList(grpc::ServerContext* context,
                             const absl::StatusOr<storage::UserId>& caller,
                             const Request& request, Response* response,
                             UserListMethod list);

  // The rate-limit key of this call's client (ClientAddress, then
  // RateLimitKey).
  std::string Peer(const grpc::ServerContext& context) const;

  std::shared_ptr<rules::MiniterRules> rules_;
  const std::set<std::string> trusted_proxies_;
  const int ipv6_prefix_bits_;
  const std::shared_ptr<watch::TimelineWatch> watch_;
  const int watch_buffer_events_;
};

}  // namespace miniter::api

#endif  // MINITER_SERVER_API_MINITER_SERVICE_H_
