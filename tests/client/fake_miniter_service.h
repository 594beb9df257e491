// fake_miniter_service.h: an in-process stand-in for the miniter server, so
// client tests can check what goes over the wire without a database.
#ifndef MINITER_TESTS_CLIENT_FAKE_MINITER_SERVICE_H_
#define MINITER_TESTS_CLIENT_FAKE_MINITER_SERVICE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "grpcpp/grpcpp.h"
#include "miniter/v1/miniter.grpc.pb.h"

namespace miniter::client::testing {

// Answers every RPC with canned data, or with `error` when it is set, and
// remembers the last request's authorization header and messages.
class FakeMiniterService final : public miniter::v1::Miniter::Service {
 public:
  // Returned by every RPC when not OK.
  void set_error(grpc::Status error) {
    absl::MutexLock lock(&mu_);
    error_ = std::move(error);
  }
  std::string last_authorization() {
    absl::MutexLock lock(&mu_);
    return last_authorization_;
  }
  std::string last_password() {
    absl::MutexLock lock(&mu_);
    return last_password_;
  }
  miniter::v1::TimelineRequest last_timeline_request() {
    absl::MutexLock lock(&mu_);
    return last_timeline_request_;
  }
  // user_id, page_size and page_token of the last ListFollowing,
  // ListFollowers or UserTweets call (they share that layout), and which.
  struct PagedRequest {
    std::string method;
    std::uint64_t user_id = 0;
    std::int32_t page_size = 0;
    std::string page_token;
  };
  PagedRequest last_paged_request() {
    absl::MutexLock lock(&mu_);
    return last_paged_request_;
  }

  miniter::v1::GetUserRequest last_get_user_request() {
    absl::MutexLock lock(&mu_);
    return last_get_user_request_;
  }
  miniter::v1::SearchUsersRequest last_search_request() {
    absl::MutexLock lock(&mu_);
    return last_search_request_;
  }
  // The request_id of every Tweet attempt received, in order.
  std::vector<std::string> tweet_request_ids() {
    absl::MutexLock lock(&mu_);
    return tweet_request_ids_;
  }
  std::string last_tweet_text() {
    absl::MutexLock lock(&mu_);
    return last_tweet_text_;
  }
  // The next `count` calls (of any method) fail with `failure` before
  // `error` applies again: a server that is down for a moment, for the
  // retry tests.
  void FailNextCalls(int count, grpc::Status failure) {
    absl::MutexLock lock(&mu_);
    failures_left_ = count;
    failure_ = std::move(failure);
  }
  // Calls received, every attempt of a retried call counted.
  int calls() {
    absl::MutexLock lock(&mu_);
    return calls_;
  }

  grpc::Status SignUp(grpc::ServerContext* context,
                      const miniter::v1::SignUpRequest* request,
                      miniter::v1::SignUpResponse* response) override {
    grpc::Status status = Record(context);
    {
      absl::MutexLock lock(&mu_);
      last_password_ = request->password();
    }
    if (!status.ok()) return status;
    response->mutable_user()->set_id(3);
    response->mutable_user()->set_name(request->name());
    response->mutable_user()->set_email(request->email());
    return grpc::Status::OK;
  }

  grpc::Status Login(grpc::ServerContext* context,
                     const miniter::v1::LoginRequest* request,
                     miniter::v1::LoginResponse* response) override {
    grpc::Status status = Record(context);
    {
      absl::MutexLock lock(&mu_);
      last_password_ = request->password();
    }
    if (!status.ok()) return status;
    response->set_access_token("tok-for-" + request->email());
    response->set_user_id(3);
    // 2026-11-27 12:00:00 UTC
    response->mutable_expires_at()->set_seconds(1795780800);
    return grpc::Status::OK;
  }

  grpc::Status Tweet(grpc::ServerContext* context,
                     const miniter::v1::TweetRequest* request,
                     miniter::v1::TweetResponse* response) override {
    grpc::Status status = Record(context);
    {
      absl::MutexLock lock(&mu_);
      last_tweet_text_ = request->text();
      tweet_request_ids_.push_back(request->request_id());
    }
    if (!status.ok()) return status;
    response->mutable_tweet()->set_id(12);
    response->mutable_tweet()->set_author_id(3);
    response->mutable_tweet()->set_text(request->text());
    response->mutable_tweet()->mutable_created_at()->set_seconds(1795694401);
    return grpc::Status::OK;
  }

  grpc::Status Follow(grpc::ServerContext* context,
                      const miniter::v1::FollowRequest* request,
                      miniter::v1::FollowResponse* response) override {
    return Record(context);
  }

  grpc::Status Unfollow(grpc::ServerContext* context,
                        const miniter::v1::UnfollowRequest* request,
                        miniter::v1::UnfollowResponse* response) override {
    return Record(context);
  }

  grpc::Status Timeline(grpc::ServerContext* context,
                        const miniter::v1::TimelineRequest* request,
                        miniter::v1::TimelineResponse* response) override {
    grpc::Status status = Record(context);
    {
      absl::MutexLock lock(&mu_);
      last_timeline_request_ = *request;
    }
    if (!status.ok()) return status;
    miniter::v1::Tweet* tweet = response->add_tweets();
    tweet->set_id(12);
    tweet->set_author_id(3);
    tweet->set_author_name("Ann");
    tweet->set_text("hello");
    tweet->mutable_created_at()->set_seconds(1795694401);
    response->set_next_page_token("next-12");
    return grpc::Status::OK;
  }

  grpc::Status ListFollowing(
      grpc::ServerContext* context,
      const miniter::v1::ListFollowingRequest* request,
      miniter::v1::ListFollowingResponse* response) override {
    return UserList("ListFollowing", context, *request, response);
  }

  grpc::Status ListFollowers(
      grpc::ServerContext* context,
      const miniter::v1::ListFollowersRequest* request,
      miniter::v1::ListFollowersResponse* response) override {
    return UserList("ListFollowers", context, *request, response);
  }

  grpc::Status UserTweets(grpc::ServerContext* context,
                          const miniter::v1::UserTweetsRequest* request,
                          miniter::v1::UserTweetsResponse* response) override {
    grpc::Status status = RecordPaged("UserTweets", context, *request);
    if (!status.ok()) return status;
    miniter::v1::Tweet* tweet = response->add_tweets();
    tweet->set_id(11);
    tweet->set_author_id(request->user_id());
    tweet->set_author_name("Bob");
    tweet->set_text("mine");
    tweet->mutable_created_at()->set_seconds(1795694400);
    response->set_next_page_token("next-11");
    return grpc::Status::OK;
  }

  // A heartbeat, tweet 12 and tweet 13 (cursors "c1".."c3"), then
  // UNAVAILABLE with the trailer resume-cursor "resume-here", as a server
  // that shuts down ends a stream.
  grpc::Status WatchTimeline(
      grpc::ServerContext* context,
      const miniter::v1::WatchTimelineRequest* request,
      grpc::ServerWriter<miniter::v1::WatchTimelineResponse>* writer) override {
    grpc::Status status = Record(context);
    {
      absl::MutexLock lock(&mu_);
      last_resume_cursor_ = request->resume_cursor();
    }
    if (!status.ok()) return status;
    miniter::v1::WatchTimelineResponse event;
    event.mutable_heartbeat()->mutable_server_time()->set_seconds(1795694400);
    event.set_cursor("c1");
    writer->Write(event);
    for (std::uint64_t id : {12, 13}) {
      event.Clear();
      miniter::v1::Tweet* tweet = event.mutable_tweet();
      tweet->set_id(id);
      tweet->set_author_id(3);
      tweet->set_author_name("Ann");
      tweet->set_text(absl::StrCat("live ", id));
      tweet->mutable_created_at()->set_seconds(1795694401);
      event.set_cursor(absl::StrCat("c", id - 10));
      writer->Write(event);
    }
    context->AddTrailingMetadata("resume-cursor", "resume-here");
    return grpc::Status(grpc::StatusCode::UNAVAILABLE, "shutting down");
  }
  std::string last_resume_cursor() {
    absl::MutexLock lock(&mu_);
    return last_resume_cursor_;
  }

  // User 3 (Ann, with her e-mail when she asks for herself, id 0 or 3) or
  // any other id as "Bob".
  grpc::Status GetUser(grpc::ServerContext* context,
                       const miniter::v1::GetUserRequest* request,
                       miniter::v1::GetUserResponse* response) override {
    grpc::Status status = Record(context);
    {
      absl::MutexLock lock(&mu_);
      last_get_user_request_ = *request;
    }
    if (!status.ok()) return status;
    const bool own = request->user_id() == 0 || request->user_id() == 3;
    miniter::v1::User* user = response->mutable_user();
    user->set_id(own ? 3 : request->user_id());
    user->set_name(own ? "Ann" : "Bob");
    if (own) user->set_email("ann@example.com");
    user->set_profile(own ? "hi\nthere" : "");
    user->mutable_created_at()->set_seconds(1795694401);
    response->set_follower_count(own ? 1 : 0);
    response->set_following_count(2);
    return grpc::Status::OK;
  }

  // Two users, and a next page unless a page_token was sent.
  grpc::Status SearchUsers(
      grpc::ServerContext* context,
      const miniter::v1::SearchUsersRequest* request,
      miniter::v1::SearchUsersResponse* response) override {
    grpc::Status status = Record(context);
    {
      absl::MutexLock lock(&mu_);
      last_search_request_ = *request;
    }
    if (!status.ok()) return status;
    if (!request->page_token().empty()) return grpc::Status::OK;
    miniter::v1::User* ann = response->add_users();
    ann->set_id(3);
    ann->set_name("Ann");
    ann->set_email("ann@example.com");
    miniter::v1::User* anna = response->add_users();
    anna->set_id(8);
    anna->set_name("Anna \x1b[31m");
    response->set_next_page_token("next-8");
    return grpc::Status::OK;
  }

 private:
  template <typename Request>
  grpc::Status RecordPaged(const char* method, grpc::ServerContext* context,
                           const Request& request) {
    grpc::Status status = Record(context);
    absl::MutexLock lock(&mu_);
    last_paged_request_ = {method, request.user_id(), request.page_size(),
                           request.page_token()};
    return status;
  }

  // Two users, the caller's own (id 3) with its e-mail; a next page.
  template <typename Request, typename Response>
  grpc::Status UserList(const char* method, grpc::ServerContext* context,
                        const Request& request, Response* response) {
    grpc::Status status = RecordPaged(method, context, request);
    if (!status.ok()) return status;
    miniter::v1::User* bob = response->add_users();
    bob->set_id(5);
    bob->set_name("Bob");
    miniter::v1::User* ann = response->add_users();
    ann->set_id(3);
    ann->set_name("Ann");
    ann->set_email("ann@example.com");
    response->set_next_page_token("next-5");
    return grpc::Status::OK;
  }

  grpc::Status Record(grpc::ServerContext* context) {
    absl::MutexLock lock(&mu_);
    ++calls_;
    last_authorization_.clear();
    auto it = context->client_metadata().find("authorization");
    if (it != context->client_metadata().end()) {
      last_authorization_.assign(it->second.data(), it->second.size());
    }
    if (failures_left_ > 0) {
      --failures_left_;
      return failure_;
    }
    return error_;
  }

  absl::Mutex mu_;
  grpc::Status error_ ABSL_GUARDED_BY(mu_);
  std::string last_authorization_ ABSL_GUARDED_BY(mu_);
  std::string last_password_ ABSL_GUARDED_BY(mu_);
  std::string last_tweet_text_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> tweet_request_ids_ ABSL_GUARDED_BY(mu_);
  miniter::v1::TimelineRequest last_timeline_request_ ABSL_GUARDED_BY(mu_);
  PagedRequest last_paged_request_ ABSL_GUARDED_BY(mu_);
  std::string last_resume_cursor_ ABSL_GUARDED_BY(mu_);
  miniter::v1::GetUserRequest last_get_user_request_ ABSL_GUARDED_BY(mu_);
  miniter::v1::SearchUsersRequest last_search_request_ ABSL_GUARDED_BY(mu_);
  int calls_ ABSL_GUARDED_BY(mu_) = 0;
  int failures_left_ ABSL_GUARDED_BY(mu_) = 0;
  grpc::Status failure_ ABSL_GUARDED_BY(mu_);
};

// The fake, served on a free port of 127.0.0.1 for the test's lifetime.
class FakeMiniterServer {
 public:
  // Plaintext by default; pass grpc::SslServerCredentials(...) for TLS.
  explicit FakeMiniterServer(
      std::shared_ptr<grpc::ServerCredentials> credentials =
          grpc::InsecureServerCredentials()) {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", std::move(credentials), &port_);
    builder.RegisterService(&service_);
    server_ = builder.BuildAndStart();
  }
  ~FakeMiniterServer() {
    if (server_) server_->Shutdown();
  }

  bool started() const { return server_ != nullptr && port_ != 0; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  FakeMiniterService& service() { return service_; }

 private:
  FakeMiniterService service_;
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
};

}  // namespace miniter::client::testing

#endif  // MINITER_TESTS_CLIENT_FAKE_MINITER_SERVICE_H_
