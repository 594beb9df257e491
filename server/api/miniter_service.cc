// miniter_service.cc: proto <-> rules translation for each RPC.
#include "server/api/miniter_service.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "google/protobuf/timestamp.pb.h"
#include "server/api/call_notes.h"
#include "server/api/watch_timeline_reactor.h"
#include "server/common/call_deadline.h"
#include "server/common/retry_hint.h"

namespace miniter::api {
namespace {

// Makes the client's deadline the storage layer's limit for this handler's
// thread (common/call_deadline.h): no database work starts, and no wait for
// a connection lasts, past the moment the client stops listening.
common::CallDeadlineScope DeadlineOf(const grpc::ServerContext& context) {
  const std::chrono::system_clock::time_point deadline = context.deadline();
  return common::CallDeadlineScope(
      deadline == std::chrono::system_clock::time_point::max()
          ? absl::InfiniteFuture()
          : absl::FromChrono(deadline));
}

void SetTimestamp(absl::Time time, google::protobuf::Timestamp* out) {
  const absl::Duration since_epoch = time - absl::UnixEpoch();
  const int64_t seconds = absl::ToInt64Seconds(since_epoch);
  out->set_seconds(seconds);
  out->set_nanos(static_cast<int32_t>(
      absl::ToInt64Nanoseconds(since_epoch - absl::Seconds(seconds))));
}

void ToProto(const storage::UserRecord& user, miniter::v1::User* out) {
  out->set_id(user.id);
  out->set_name(user.name);
  out->set_email(user.email);
  out->set_profile(user.profile);
  SetTimestamp(user.created_at, out->mutable_created_at());
}

void ToProto(const storage::TweetRecord& tweet, miniter::v1::Tweet* out) {
  out->set_id(tweet.id);
  out->set_author_id(tweet.author_id);
  out->set_author_name(tweet.author_name);
  out->set_text(tweet.text);
  SetTimestamp(tweet.created_at, out->mutable_created_at());
}

// Fills a Timeline or UserTweets response (they have the same fields).
template <typename Response>
void ToProto(rules::TimelinePage page, Response* response) {
  response->mutable_tweets()->Reserve(static_cast<int>(page.tweets.size()));
  for (const storage::TweetRecord& tweet : page.tweets) {
    ToProto(tweet, response->add_tweets());
  }
  response->set_next_page_token(std::move(page.next_page_token));
}

}  // namespace

// ListFollowing and ListFollowers have the same request and response
// fields: `list` (the rules' method) reads the page for `caller`.
template <typename Request, typename Response>
grpc::Status MiniterService::ServeUserList(
    grpc::ServerContext* context, const absl::StatusOr<storage::UserId>& caller,
    const Request& request, Response* response, UserListMethod list) {
  if (!caller.ok()) return ToGrpcStatus(caller.status(), context);
  absl::StatusOr<rules::UserListPage> page = ((*rules_).*list)(
      *caller, request.user_id(), request.page_size(), request.page_token());
  if (!page.ok()) return ToGrpcStatus(page.status(), context);
  response->mutable_users()->Reserve(static_cast<int>(page->users.size()));
  for (const storage::UserRecord& user : page->users) {
    ToProto(user, response->add_users());
  }
  response->set_next_page_token(std::move(page->next_page_token));
  return grpc::Status::OK;
}

void TweetToProto(const storage::TweetRecord& tweet, miniter::v1::Tweet* out) {
  ToProto(tweet, out);
}

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  if (status.code() == absl::StatusCode::kUnknown) {
    return grpc::Status(grpc::StatusCode::INTERNAL, "internal error");
  }
  std::string message(status.message());
  if (const std::optional<absl::Duration> delay = common::RetryAfter(status)) {
    absl::StrAppend(&message, "; retry after ",
                    absl::ToInt64Milliseconds(*delay), " ms");
  }
  // grpc::Status copies the message (it takes a const reference).
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), message);
}

grpc::Status ToGrpcStatus(const absl::Status& status,
                          grpc::ServerContext* context) {
  if (const std::optional<absl::Duration> delay = common::RetryAfter(status)) {
    context->AddTrailingMetadata(
        "retry-after-ms", absl::StrCat(absl::ToInt64Milliseconds(*delay)));
  }
  return ToGrpcStatus(status);
}

std::string ClientAddress(absl::string_view grpc_peer,
                          absl::string_view forwarded_for,
                          const std::set<std::string>& trusted_proxies) {
  absl::string_view address = grpc_peer;
  if (absl::ConsumePrefix(&address, "ipv4:")) {
    address = address.substr(0, address.rfind(':'));
  } else if (absl::ConsumePrefix(&address, "ipv6:")) {
    address = address.substr(0, address.rfind(':'));
    absl::ConsumePrefix(&address, "[");
    absl::ConsumeSuffix(&address, "]");
  }
  // Other schemes (unix:, in-process) stay whole: one key per scheme.
  if (trusted_proxies.count(std::string(address)) == 0) {
    return std::string(address);
  }
  const std::size_t comma = forwarded_for.rfind(',');
  absl::string_view last = absl::StripAsciiWhitespace(
      comma == absl::string_view::npos ? forwarded_for
                                       : forwarded_for.substr(comma + 1));
  return std::string(last.empty() ? address : last);
}

std::string RateLimitKey(absl::string_view address, int ipv6_prefix_bits) {
  in6_addr ip6;
  std::string text(address);  // not const: the early returns move it
  if (inet_pton(AF_INET6, text.c_str(), &ip6) != 1) return text;
  if (IN6_IS_ADDR_V4MAPPED(&ip6)) {
    in_addr ip4;
    std::memcpy(&ip4, &ip6.s6_addr[12], sizeof(ip4));
    char buffer[INET_ADDRSTRLEN];
    if (inet_ntop(AF_INET, &ip4, buffer, sizeof(buffer)) == nullptr)
      return text;
    return buffer;
  }
  const int bits = std::clamp(ipv6_prefix_bits, 0, 128);
  for (int i = 0; i < 16; ++i) {
    const int keep = std::clamp(bits - 8 * i, 0, 8);
    ip6.s6_addr[i] &= static_cast<unsigned char>(0xff00 >> keep);
  }
  char buffer[INET6_ADDRSTRLEN];
  if (inet_ntop(AF_INET6, &ip6, buffer, sizeof(buffer)) == nullptr) return text;
  return absl::StrCat(buffer, "/", bits);
}

MiniterService::MiniterService(std::shared_ptr<rules::MiniterRules> rules,
                               std::set<std::string> trusted_proxies,
                               int ipv6_prefix_bits,
                               std::shared_ptr<watch::TimelineWatch> watch,
                               int watch_buffer_events)
    : rules_(std::move(rules)),
      trusted_proxies_(std::move(trusted_proxies)),
      ipv6_prefix_bits_(ipv6_prefix_bits),
      watch_(std::move(watch)),
      watch_buffer_events_(watch_buffer_events) {}

std::string MiniterService::Peer(const grpc::ServerContext& context) const {
  absl::string_view forwarded_for;
  if (!trusted_proxies_.empty()) {
    // The proxy appends to the last header; earlier ones came from the
    // client and prove nothing.
    const auto range = context.client_metadata().equal_range("x-forwarded-for");
    for (auto it = range.first; it != range.second; ++it) {
      forwarded_for = absl::string_view(it->second.data(), it->second.size());
    }
  }
  return RateLimitKey(
      ClientAddress(context.peer(), forwarded_for, trusted_proxies_),
      ipv6_prefix_bits_);
}

absl::StatusOr<storage::UserId> MiniterService::Caller(
    const grpc::ServerContextBase& context) const {
  const auto& metadata = context.client_metadata();
  const auto found = metadata.find("authorization");
  if (found == metadata.end()) return rules_->Authenticate("");
  // More than one authorization value is ambiguous; refuse it rather than
  // pick one.
  if (metadata.count("authorization") > 1) {
    return absl::UnauthenticatedError(
        "send exactly one authorization metadata entry");
  }
  absl::StatusOr<storage::UserId> caller = rules_->Authenticate(
      absl::string_view(found->second.data(), found->second.size()));
  if (caller.ok()) CallNotes::NoteUser(context, *caller);
  return caller;
}

grpc::Status MiniterService::SignUp(grpc::ServerContext* context,
                                    const miniter::v1::SignUpRequest* request,
                                    miniter::v1::SignUpResponse* response) {
  const common::CallDeadlineScope deadline = DeadlineOf(*context);
  absl::Status admitted = rules_->AdmitSignUp(Peer(*context));
  if (!admitted.ok()) return ToGrpcStatus(admitted, context);
  absl::StatusOr<storage::UserRecord> user =
      rules_->SignUp({request->name(), request->email(), request->password(),
                      request->profile()});
  if (!user.ok()) return ToGrpcStatus(user.status(), context);
  CallNotes::NoteUser(*context, user->id);
  ToProto(*user, response->mutable_user());
  return grpc::Status::OK;
}

grpc::Status MiniterService::Login(grpc::ServerContext* context,
                                   const miniter::v1::LoginRequest* request,
                                   miniter::v1::LoginResponse* response) {
  const common::CallDeadlineScope deadline = DeadlineOf(*context);
  const std::string peer = Peer(*context);
  absl::Status admitted = rules_->AdmitLogin(peer);
  if (!admitted.ok()) return ToGrpcStatus(admitted, context);
  absl::StatusOr<rules::LoginResult> login =
      rules_->Login(request->email(), request->password(), peer);
  if (!login.ok()) return ToGrpcStatus(login.status(), context);
  CallNotes::NoteUser(*context, login->user_id);
  response->set_access_token(login->token.token);
  SetTimestamp(login->token.expires_at, response->mutable_expires_at());
  response->set_user_id(login->user_id);
  return grpc::Status::OK;
}

grpc::Status MiniterService::Tweet(grpc::ServerContext* context,
                                   const miniter::v1::TweetRequest* request,
                                   miniter::v1::TweetResponse* response) {
  const common::CallDeadlineScope deadline = DeadlineOf(*context);
  // Before the checks, so that a refused Tweet is found by its id too.
  if (!request->request_id().empty() &&
      rules::ValidateRequestId(request->request_id()).ok()) {
    CallNotes::NoteRequestId(*context, request->request_id());
  }
  absl::StatusOr<storage::UserId> caller = Caller(*context);
  if (!caller.ok()) return ToGrpcStatus(caller.status(), context);
  absl::Status admitted = rules_->AdmitTweet(Peer(*context), *caller);
  if (!admitted.ok()) return ToGrpcStatus(admitted, context);
  absl::StatusOr<storage::TweetRecord> tweet =
      rules_->PostTweet(*caller, request->text(), request->request_id());
  if (!tweet.ok()) return ToGrpcStatus(tweet.status(), context);
  ToProto(*tweet, response->mutable_tweet());
  return grpc::Status::OK;
}

grpc::Status MiniterService::Follow(grpc::ServerContext* context,
                                    const miniter::v1::FollowRequest* request,
                                    miniter::v1::FollowResponse* response) {
  const common::CallDeadlineScope deadline = DeadlineOf(*context);
  absl::StatusOr<storage::UserId> caller = Caller(*context);
  if (!caller.ok()) return ToGrpcStatus(caller.status(), context);
  return ToGrpcStatus(rules_->Follow(*caller, request->user_id()), context);
}

grpc::Status MiniterService::Unfollow(
    grpc::ServerContext* context, const miniter::v1::UnfollowRequest* request,
    miniter::v1::UnfollowResponse* response) {
  const common::CallDeadlineScope deadline = DeadlineOf(*context);
  absl::StatusOr<storage::UserId> caller = Caller(*context);
  if (!caller.ok()) return ToGrpcStatus(caller.status(), context);
  return ToGrpcStatus(rules_->Unfollow(*caller, request->user_id()), context);
}

grpc::Status MiniterService::Timeline(
    grpc::ServerContext* context, const miniter::v1::TimelineRequest* request,
    miniter::v1::TimelineResponse* response) {
  const common::CallDeadlineScope deadline = DeadlineOf(*context);
  absl::StatusOr<storage::UserId> caller = Caller(*context);
  if (!caller.ok()) return ToGrpcStatus(caller.status(), context);
  absl::StatusOr<rules::TimelinePage> page = rules_->ReadTimeline(
      *caller, request->user_id(), request->page_size(), request->page_token());
  if (!page.ok()) return ToGrpcStatus(page.status(), context);
  ToProto(*std::move(page), response);
  return grpc::Status::OK;
}

grpc::Status MiniterService::ListFollowing(
    grpc::ServerContext* context,
    const miniter::v1::ListFollowingRequest* request,
    miniter::v1::ListFollowingResponse* response) {
  const common::CallDeadlineScope deadline = DeadlineOf(*context);
  return ServeUserList(context, Caller(*context), *request, response,
                       &rules::MiniterRules::ListFollowing);
}

grpc::Status MiniterService::ListFollowers(
    grpc::ServerContext* context,
    const miniter::v1::ListFollowersRequest* request,
    miniter::v1::ListFollowersResponse* response) {
  const common::CallDeadlineScope deadline = DeadlineOf(*context);
  return ServeUserList(context, Caller(*context), *request, response,
                       &rules::MiniterRules::ListFollowers);
}

grpc::Status MiniterService::UserTweets(
    grpc::ServerContext* context, const miniter::v1::UserTweetsRequest* request,
    miniter::v1::UserTweetsResponse* response) {
  const common::CallDeadlineScope deadline = DeadlineOf(*context);
  absl::StatusOr<storage::UserId> caller = Caller(*context);
  if (!caller.ok()) return ToGrpcStatus(caller.status(), context);
  absl::StatusOr<rules::TimelinePage> page = rules_->ReadUserTweets(
      *caller, request->user_id(), request->page_size(), request->page_token());
  if (!page.ok()) return ToGrpcStatus(page.status(), context);
  ToProto(*std::move(page), response);
  return grpc::Status::OK;
}

grpc::ServerWriteReactor<miniter::v1::WatchTimelineResponse>*
MiniterService::WatchTimeline(
    grpc::CallbackServerContext* context,
    const miniter::v1::WatchTimelineRequest* request) {
  if (watch_ == nullptr) {
    return WatchTimelineReactor::Refuse(grpc::Status(
        grpc::StatusCode::UNIMPLEMENTED, "WatchTimeline is not enabled"));
  }
  // Token checks only compute; nothing here blocks a callback thread.
  absl::StatusOr<storage::UserId> caller = Caller(*context);
  if (!caller.ok()) {
    return WatchTimelineReactor::Refuse(ToGrpcStatus(caller.status()));
  }
  return WatchTimelineReactor::Start(
      context, watch_, *caller, request->resume_cursor(),
      static_cast<std::size_t>(watch_buffer_events_));
}

grpc::Status MiniterService::GetUser(grpc::ServerContext* context,
                                     const miniter::v1::GetUserRequest* request,
                                     miniter::v1::GetUserResponse* response) {
  const common::CallDeadlineScope deadline = DeadlineOf(*context);
  absl::StatusOr<storage::UserId> caller = Caller(*context);
  if (!caller.ok()) return ToGrpcStatus(caller.status(), context);
  absl::StatusOr<storage::UserProfile> profile =
      rules_->GetUser(*caller, request->user_id());
  if (!profile.ok()) return ToGrpcStatus(profile.status(), context);
  ToProto(profile->user, response->mutable_user());
  response->set_follower_count(profile->follower_count);
  response->set_following_count(profile->following_count);
  return grpc::Status::OK;
}

grpc::Status MiniterService::SearchUsers(
    grpc::ServerContext* context,
    const miniter::v1::SearchUsersRequest* request,
    miniter::v1::SearchUsersResponse* response) {
  const common::CallDeadlineScope deadline = DeadlineOf(*context);
  absl::StatusOr<storage::UserId> caller = Caller(*context);
  if (!caller.ok()) return ToGrpcStatus(caller.status(), context);
  absl::StatusOr<rules::UserSearchPage> page = rules_->SearchUsers(
      *caller, request->query(), request->page_size(), request->page_token());
  if (!page.ok()) return ToGrpcStatus(page.status(), context);
  response->mutable_users()->Reserve(static_cast<int>(page->users.size()));
  for (const storage::UserRecord& user : page->users) {
    ToProto(user, response->add_users());
  }
  response->set_next_page_token(std::move(page->next_page_token));
  return grpc::Status::OK;
}

}  // namespace miniter::api
