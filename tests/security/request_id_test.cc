// request_id_test.cc: TweetRequest.request_id end to end: the storage layer
// stores one tweet per (author, request id) even under concurrent retries;
// the API returns the original tweet for a replay and ALREADY_EXISTS for a
// reused id with other text; and the C++ client library, whose retry policy
// now covers Tweet, stores a tweet once when the server's answer is lost on
// the way and gRPC retries.
#include <atomic>
#include <chrono>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "grpcpp/generic/async_generic_service.h"
#include "grpcpp/generic/generic_stub.h"
#include "gtest/gtest.h"
#include "miniter/client/miniter_client.h"
#include "server/storage/mysql/mysql_storage.h"
#include "tests/security/security_support.h"

namespace miniter::testing {
namespace {

using v1::Miniter;

// ---- Storage ---------------------------------------------------------------

class RequestIdStorageTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    storage::MySqlOptions options;
    options.database_url = TestDatabaseUrl();
    options.pool_size = 8;
    ASSERT_TRUE(storage::ApplyMigrations(options).ok());
    absl::StatusOr<storage::MySqlStorage> opened =
        storage::OpenMySqlStorage(options);
    ASSERT_TRUE(opened.ok()) << opened.status();
    storage_ = new storage::MySqlStorage(*std::move(opened));
  }
  static void TearDownTestSuite() { delete storage_; }

  static storage::UserId NewUser() {
    const std::string email = UniqueEmail("rid");
    absl::StatusOr<storage::UserRecord> user = storage_->users->CreateUser(
        {"rid", email, email, "not-a-real-hash", "", ""});
    EXPECT_TRUE(user.ok()) << user.status();
    return user.ok() ? user->id : 0;
  }

  static storage::MySqlStorage* storage_;
};

storage::MySqlStorage* RequestIdStorageTest::storage_ = nullptr;

TEST_F(RequestIdStorageTest, OneTweetPerAuthorAndRequestId) {
  const storage::UserId ann = NewUser();
  const storage::UserId bob = NewUser();
  auto first = storage_->tweets->CreateTweet(ann, "hello", "id-1");
  ASSERT_TRUE(first.ok()) << first.status();
  auto again = storage_->tweets->CreateTweet(ann, "hello", "id-1");
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->id, first->id);
  EXPECT_EQ(again->created_at, first->created_at);
  // Another text under the same id: the stored tweet comes back unchanged
  // (the rules layer turns that into ALREADY_EXISTS).
  auto other_text = storage_->tweets->CreateTweet(ann, "changed", "id-1");
  ASSERT_TRUE(other_text.ok());
  EXPECT_EQ(other_text->id, first->id);
  EXPECT_EQ(other_text->text, "hello");
  // Ids are per author, and case-sensitive.
  auto bobs = storage_->tweets->CreateTweet(bob, "hello", "id-1");
  ASSERT_TRUE(bobs.ok());
  EXPECT_NE(bobs->id, first->id);
  auto upper = storage_->tweets->CreateTweet(ann, "hello", "ID-1");
  ASSERT_TRUE(upper.ok());
  EXPECT_NE(upper->id, first->id);
  // No id: never deduplicated.
  auto plain1 = storage_->tweets->CreateTweet(ann, "hello");
  auto plain2 = storage_->tweets->CreateTweet(ann, "hello");
  ASSERT_TRUE(plain1.ok() && plain2.ok());
  EXPECT_NE(plain1->id, plain2->id);

  storage::TimelinePageQuery query;
  query.user_id = ann;
  query.limit = 100;
  auto timeline = storage_->tweets->ReadTimelinePage(query);
  ASSERT_TRUE(timeline.ok());
  EXPECT_EQ(timeline->size(), 4u);  // id-1, ID-1, and the two plain ones
}

TEST_F(RequestIdStorageTest, ConcurrentRetriesStoreOnce) {
  const storage::UserId author = NewUser();
  for (int round = 0; round < 5; ++round) {
    const std::string id = absl::StrCat("concurrent-", round);
    constexpr int kCallers = 12;
    std::vector<storage::TweetId> ids(kCallers);
    std::vector<std::string> errors(kCallers);
    std::vector<std::thread> threads;
    std::atomic<bool> go{false};
    for (int i = 0; i < kCallers; ++i) {
      threads.emplace_back([&, i] {
        while (!go.load()) std::this_thread::yield();
        auto tweet = storage_->tweets->CreateTweet(author, "once", id);
        if (tweet.ok()) {
          ids[i] = tweet->id;
        } else {
          errors[i] = tweet.status().ToString();
        }
      });
    }
    go = true;
    for (std::thread& t : threads) t.join();
    for (const std::string& error : errors) EXPECT_EQ(error, "");
    EXPECT_EQ(std::set<storage::TweetId>(ids.begin(), ids.end()).size(), 1u)
        << "round " << round;
  }
  storage::TimelinePageQuery query;
  query.user_id = author;
  query.limit = 100;
  auto timeline = storage_->tweets->ReadTimelinePage(query);
  ASSERT_TRUE(timeline.ok());
  EXPECT_EQ(timeline->size(), 5u);
}

// ---- API -------------------------------------------------------------------

class RequestIdApiTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = StartServer().release();
    ASSERT_NE(server_, nullptr);
  }
  static void TearDownTestSuite() { delete server_; }
  void SetUp() override { stub_ = StubForPort(server_->port()); }

  grpc::Status Tweet(const TestUser& user, const std::string& text,
                     const std::string& request_id, v1::Tweet* out) {
    v1::TweetRequest request;
    request.set_text(text);
    request.set_request_id(request_id);
    v1::TweetResponse response;
    grpc::Status status =
        stub_->Tweet(Context(user.token).get(), request, &response);
    *out = response.tweet();
    return status;
  }

  int OwnTweetCount(const TestUser& user) {
    v1::TimelineRequest request;
    request.set_page_size(100);
    v1::TimelineResponse response;
    EXPECT_TRUE(
        stub_->Timeline(Context(user.token).get(), request, &response).ok());
    return response.tweets_size();
  }

  static app::MiniterServer* server_;
  std::unique_ptr<Miniter::Stub> stub_;
};

app::MiniterServer* RequestIdApiTest::server_ = nullptr;

TEST_F(RequestIdApiTest, ReplayReturnsTheOriginalAndOtherTextIsAlreadyExists) {
  TestUser user = SignUpAndLogin(*stub_, "idempotent");
  const std::string id = "4f1c2a9e-7b7d-4c1e-9a55-0d6f3b2e8c11";
  v1::Tweet first, replay, conflict;
  ASSERT_TRUE(Tweet(user, "only once", id, &first).ok());
  grpc::Status status = Tweet(user, "only once", id, &replay);
  ASSERT_TRUE(status.ok()) << Describe(status);
  EXPECT_EQ(replay.id(), first.id());
  EXPECT_EQ(replay.created_at().seconds(), first.created_at().seconds());
  status = Tweet(user, "something else", id, &conflict);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::ALREADY_EXISTS)
      << Describe(status);
  EXPECT_THAT(status.error_message(), ::testing::HasSubstr("request_id"));
  EXPECT_EQ(OwnTweetCount(user), 1);
}

TEST_F(RequestIdApiTest, ConcurrentRetriesThroughTheApiStoreOnce) {
  TestUser user = SignUpAndLogin(*stub_, "hammer");
  constexpr int kCallers = 16;
  std::vector<std::uint64_t> ids(kCallers);
  std::vector<std::thread> threads;
  for (int i = 0; i < kCallers; ++i) {
    threads.emplace_back([&, i] {
      auto stub = StubForPort(server_->port());
      v1::TweetRequest request;
      request.set_text("hammered");
      request.set_request_id("same-id-for-all");
      v1::TweetResponse response;
      grpc::Status status =
          stub->Tweet(Context(user.token).get(), request, &response);
      EXPECT_TRUE(status.ok()) << Describe(status);
      ids[i] = response.tweet().id();
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(std::set<std::uint64_t>(ids.begin(), ids.end()).size(), 1u);
  EXPECT_EQ(OwnTweetCount(user), 1);
}

// ---- The client library's retry --------------------------------------------

// A gRPC proxy in front of the server that forwards every call but, once,
// throws away the server's successful answer to `lost_method` and tells the
// client UNAVAILABLE instead: the tweet is stored, the client never hears.
class AnswerLosingProxy {
 public:
  AnswerLosingProxy(int backend_port, std::string lost_method)
      : lost_method_(std::move(lost_method)),
        backend_(grpc::CreateChannel(absl::StrCat("127.0.0.1:", backend_port),
                                     grpc::InsecureChannelCredentials())),
        service_(this) {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &port_);
    builder.RegisterCallbackGenericService(&service_);
    server_ = builder.BuildAndStart();
  }
  ~AnswerLosingProxy() { server_->Shutdown(); }

  int port() const { return port_; }
  int forwarded() const { return forwarded_.load(); }

 private:
  class Forward : public grpc::ServerGenericBidiReactor {
   public:
    Forward(grpc::GenericCallbackServerContext* context,
            AnswerLosingProxy* proxy)
        : context_(context), proxy_(proxy) {
      StartRead(&request_);
    }
    void OnReadDone(bool ok) override {
      if (!ok) {
        Finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "no request"));
        return;
      }
      for (const auto& [key, value] : context_->client_metadata()) {
        if (key == "authorization") {
          upstream_.AddMetadata("authorization",
                                std::string(value.data(), value.size()));
        }
      }
      upstream_.set_deadline(std::chrono::system_clock::now() +
                             std::chrono::seconds(10));
      grpc::GenericStub stub(proxy_->backend_);
      stub.UnaryCall(&upstream_, context_->method(), grpc::StubOptions(),
                     &request_, &response_, [this](grpc::Status status) {
                       ++proxy_->forwarded_;
                       if (status.ok() &&
                           context_->method() == proxy_->lost_method_ &&
                           !proxy_->lost_.exchange(true)) {
                         Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                                             "answer lost (test proxy)"));
                       } else if (!status.ok()) {
                         Finish(status);
                       } else {
                         StartWriteAndFinish(&response_, grpc::WriteOptions(),
                                             grpc::Status::OK);
                       }
                     });
    }
    void OnDone() override { delete this; }

   private:
    grpc::GenericCallbackServerContext* context_;
    AnswerLosingProxy* proxy_;
    grpc::ClientContext upstream_;
    grpc::ByteBuffer request_;
    grpc::ByteBuffer response_;
  };

  class Service : public grpc::CallbackGenericService {
   public:
    explicit Service(AnswerLosingProxy* proxy) : proxy_(proxy) {}
    grpc::ServerGenericBidiReactor* CreateReactor(
        grpc::GenericCallbackServerContext* context) override {
      return new Forward(context, proxy_);
    }

   private:
    AnswerLosingProxy* proxy_;
  };

  const std::string lost_method_;
  std::shared_ptr<grpc::Channel> backend_;
  std::atomic<bool> lost_{false};
  std::atomic<int> forwarded_{0};
  Service service_;
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
};

TEST_F(RequestIdApiTest, ClientLibraryRetriesALostTweetAndItIsStoredOnce) {
  TestUser user = SignUpAndLogin(*stub_, "retried");
  AnswerLosingProxy proxy(server_->port(), MethodPath("Tweet"));
  client::ClientOptions options;
  options.access_token = user.token;
  absl::StatusOr<client::MiniterClient> client = client::MiniterClient::Connect(
      absl::StrCat("127.0.0.1:", proxy.port()), options);
  ASSERT_TRUE(client.ok()) << client.status();
  v1::TweetRequest request;
  request.set_text("said once, sent twice");
  absl::StatusOr<v1::TweetResponse> posted = client->Tweet(request);
  ASSERT_TRUE(posted.ok()) << posted.status();
  EXPECT_EQ(proxy.forwarded(), 2);  // the lost attempt and gRPC's retry
  EXPECT_EQ(OwnTweetCount(user), 1);
  EXPECT_EQ(posted->tweet().text(), "said once, sent twice");
}

TEST_F(RequestIdApiTest,
       WithoutRetriesTheLostTweetIsStoredAndAManualRetryFindsIt) {
  TestUser user = SignUpAndLogin(*stub_, "manual");
  AnswerLosingProxy proxy(server_->port(), MethodPath("Tweet"));
  client::ClientOptions options;
  options.access_token = user.token;
  options.retry.enabled = false;
  absl::StatusOr<client::MiniterClient> client = client::MiniterClient::Connect(
      absl::StrCat("127.0.0.1:", proxy.port()), options);
  ASSERT_TRUE(client.ok()) << client.status();
  v1::TweetRequest request;
  request.set_text("did it arrive?");
  request.set_request_id(client::NewRequestId());
  absl::StatusOr<v1::TweetResponse> lost = client->Tweet(request);
  EXPECT_EQ(lost.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(OwnTweetCount(user), 1);  // it did arrive
  absl::StatusOr<v1::TweetResponse> retried = client->Tweet(request);
  ASSERT_TRUE(retried.ok()) << retried.status();
  EXPECT_EQ(OwnTweetCount(user), 1);
}

TEST(NewRequestIdTest, IsAVersion4UuidAndFresh) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    const std::string id = client::NewRequestId();
    ASSERT_EQ(id.size(), 36u) << id;
    EXPECT_EQ(id[14], '4') << id;
    EXPECT_NE(std::string("89ab").find(id[19]), std::string::npos) << id;
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 1000u);
}

}  // namespace
}  // namespace miniter::testing
