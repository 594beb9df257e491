// miniter_api_test.cc: the real server on a real MariaDB through a real
// gRPC channel: the tutorial's scenario, paging while tweets arrive, and
// every error case of the API with its exact status code.
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/ascii.h"
#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "gtest/gtest.h"
#include "tests/integration/shared_server_fixture.h"
#include "tests/integration/test_environment.h"

namespace miniter::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using v1::Miniter;

const std::string kHangul300 = [] {
  std::string text;
  for (int i = 0; i < 300; ++i) text += "\xED\x95\x9C";  // 한
  return text;
}();
const std::string kEmoji300 = [] {
  std::string text;
  for (int i = 0; i < 300; ++i) text += "\xF0\x9F\x98\x80";  // 😀
  return text;
}();

class MiniterApiTest : public SharedServerFixture {
 protected:
  v1::Tweet PostTweet(const TestUser& user, const std::string& text) {
    v1::TweetRequest request;
    request.set_text(text);
    v1::TweetResponse response;
    grpc::Status status =
        stub_->Tweet(Context(user.token).get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.tweet();
  }

  grpc::Status Follow(const TestUser& user, std::uint64_t target) {
    v1::FollowRequest request;
    request.set_user_id(target);
    v1::FollowResponse response;
    return stub_->Follow(Context(user.token).get(), request, &response);
  }

  grpc::Status Unfollow(const TestUser& user, std::uint64_t target) {
    v1::UnfollowRequest request;
    request.set_user_id(target);
    v1::UnfollowResponse response;
    return stub_->Unfollow(Context(user.token).get(), request, &response);
  }

  v1::TimelineResponse Timeline(const TestUser& reader, std::uint64_t user_id,
                                int page_size = 0,
                                const std::string& page_token = "",
                                grpc::Status* status_out = nullptr) {
    v1::TimelineRequest request;
    request.set_user_id(user_id);
    request.set_page_size(page_size);
    request.set_page_token(page_token);
    v1::TimelineResponse response;
    grpc::Status status =
        stub_->Timeline(Context(reader.token).get(), request, &response);
    if (status_out != nullptr) {
      *status_out = status;
    } else {
      EXPECT_TRUE(status.ok()) << status.error_message();
    }
    return response;
  }

  static std::vector<std::uint64_t> Ids(const v1::TimelineResponse& page) {
    std::vector<std::uint64_t> ids;
    for (const v1::Tweet& tweet : page.tweets()) ids.push_back(tweet.id());
    return ids;
  }
};

TEST_F(MiniterApiTest, TutorialScenario) {
  // Three users, one with a Korean name.
  TestUser ann = SignUpAndLogin(*stub_, "Ann");
  TestUser minsu =
      SignUpAndLogin(*stub_, "\xEA\xB9\x80\xEB\xAF\xBC\xEC\x88\x98");  // 김민수
  TestUser bob = SignUpAndLogin(*stub_, "Bob");

  v1::Tweet ann_first = PostTweet(ann, "hello from Ann");
  v1::Tweet minsu_korean = PostTweet(minsu, kHangul300);
  v1::Tweet bob_emoji = PostTweet(bob, kEmoji300);
  v1::Tweet ann_second =
      PostTweet(ann, "\xEC\x95\x88\xEB\x85\x95 \xF0\x9F\x91\x8B");  // 안녕 👋
  EXPECT_EQ(minsu_korean.text(), kHangul300);
  EXPECT_EQ(bob_emoji.text(), kEmoji300);
  EXPECT_EQ(ann_first.author_id(), ann.id);

  ASSERT_TRUE(Follow(ann, minsu.id).ok());
  ASSERT_TRUE(Follow(ann, bob.id).ok());

  v1::TimelineResponse timeline = Timeline(ann, ann.id);
  ASSERT_EQ(timeline.tweets_size(), 4);
  EXPECT_THAT(Ids(timeline),
              ::testing::ElementsAre(ann_second.id(), bob_emoji.id(),
                                     minsu_korean.id(), ann_first.id()));
  // Read back byte for byte, with authors.
  EXPECT_EQ(timeline.tweets(1).text(), kEmoji300);
  EXPECT_EQ(timeline.tweets(2).text(), kHangul300);
  EXPECT_EQ(timeline.tweets(2).author_name(), minsu.name);
  EXPECT_EQ(timeline.tweets(2).author_id(), minsu.id);
  EXPECT_GT(timeline.tweets(0).created_at().seconds(), 0);
  EXPECT_TRUE(timeline.next_page_token().empty());

  // user_id 0 means the caller.
  EXPECT_EQ(Ids(Timeline(ann, 0)), Ids(timeline));
  // Minsu's own timeline holds only Minsu's tweet.
  EXPECT_THAT(Ids(Timeline(ann, minsu.id)),
              ::testing::ElementsAre(minsu_korean.id()));

  // Unfollowing Bob removes Bob's tweets.
  ASSERT_TRUE(Unfollow(ann, bob.id).ok());
  EXPECT_THAT(Ids(Timeline(ann, ann.id)),
              ::testing::ElementsAre(ann_second.id(), minsu_korean.id(),
                                     ann_first.id()));
}

TEST_F(MiniterApiTest,
       EachTweetOnceEvenWhenFollowedTwiceAndFollowingManyAccounts) {
  TestUser reader = SignUpAndLogin(*stub_, "reader");
  std::vector<TestUser> authors;
  for (int i = 0; i < 5; ++i) {
    authors.push_back(SignUpAndLogin(*stub_, "author"));
    ASSERT_TRUE(Follow(reader, authors.back().id).ok());
    ASSERT_TRUE(Follow(reader, authors.back().id).ok());  // Twice: no-op.
  }
  for (int i = 0; i < 3; ++i) PostTweet(reader, "own tweet");
  for (const TestUser& author : authors) PostTweet(author, "author tweet");
  v1::TimelineResponse timeline = Timeline(reader, reader.id, 100);
  std::vector<std::uint64_t> ids = Ids(timeline);
  EXPECT_EQ(ids.size(), 8u);
  EXPECT_EQ(std::set<std::uint64_t>(ids.begin(), ids.end()).size(), ids.size());
  EXPECT_TRUE(std::is_sorted(ids.rbegin(), ids.rend()));
}

TEST_F(MiniterApiTest, PagingHasNoGapsOrRepeatsWhileTweetsArrive) {
  TestUser reader = SignUpAndLogin(*stub_, "pager");
  TestUser author = SignUpAndLogin(*stub_, "prolific");
  ASSERT_TRUE(Follow(reader, author.id).ok());
  std::vector<std::uint64_t> posted;
  for (int i = 0; i < 47; ++i) {
    posted.push_back(
        PostTweet(i % 2 ? author : reader, "tweet " + std::to_string(i)).id());
  }
  std::vector<std::uint64_t> seen;
  std::string token;
  int pages = 0;
  do {
    v1::TimelineResponse page = Timeline(reader, reader.id, 5, token);
    ASSERT_LE(page.tweets_size(), 5);
    for (std::uint64_t id : Ids(page)) seen.push_back(id);
    token = page.next_page_token();
    // New tweets keep arriving between pages; they belong to the top of the
    // timeline, never to the pages still ahead.
    PostTweet(author, "arrived while paging");
    ++pages;
  } while (!token.empty() && pages < 100);
  EXPECT_EQ(pages, 10);
  std::vector<std::uint64_t> expected(posted.rbegin(), posted.rend());
  EXPECT_EQ(seen, expected);
}

TEST_F(MiniterApiTest, ReadYourWrites) {
  TestUser user = SignUpAndLogin(*stub_, "writer");
  for (int i = 0; i < 5; ++i) {
    v1::Tweet tweet = PostTweet(user, "write " + std::to_string(i));
    v1::TimelineResponse timeline = Timeline(user, 0, 1);
    ASSERT_EQ(timeline.tweets_size(), 1);
    EXPECT_EQ(timeline.tweets(0).id(), tweet.id());
  }
}

// --- Errors: every rule, with its exact status code. ---

TEST_F(MiniterApiTest, SignUpErrors) {
  const std::string email = UniqueEmail("dup");
  auto sign_up = [&](const std::string& name, const std::string& address,
                     const std::string& password, const std::string& profile) {
    v1::SignUpRequest request;
    request.set_name(name);
    request.set_email(address);
    request.set_password(password);
    request.set_profile(profile);
    v1::SignUpResponse response;
    grpc::Status status = stub_->SignUp(Context().get(), request, &response);
    if (status.ok()) {
      EXPECT_THAT(response.DebugString(), Not(HasSubstr(password)));
      EXPECT_THAT(response.DebugString(), Not(HasSubstr("argon2")));
    }
    return status;
  };
  ASSERT_TRUE(sign_up("Dup", email, "password123", "").ok());
  grpc::Status duplicate =
      sign_up("Dup2", absl::AsciiStrToUpper(email), "password123", "");
  EXPECT_EQ(duplicate.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_THAT(duplicate.error_message(), HasSubstr("e-mail"));

  EXPECT_EQ(sign_up("Ann", "not an email", "password123", "").error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(sign_up("", UniqueEmail("n"), "password123", "").error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(sign_up(std::string(256, 'n'), UniqueEmail("n"), "password123", "")
                .error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(sign_up(std::string(255, 'n'), UniqueEmail("n"), "password123",
                      std::string(2000, 'p'))
                  .ok());
  EXPECT_EQ(sign_up("Ann", UniqueEmail("p"), "short", "").error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(
      sign_up("Ann", UniqueEmail("p"), std::string(1025, 'p'), "").error_code(),
      grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(
      sign_up("Ann", UniqueEmail("p"), "password123", std::string(2001, 'p'))
          .error_code(),
      grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(MiniterApiTest, LoginErrorsLookTheSame) {
  TestUser user = SignUpAndLogin(*stub_, "login");
  auto login = [&](const std::string& email, const std::string& password) {
    v1::LoginRequest request;
    request.set_email(email);
    request.set_password(password);
    v1::LoginResponse response;
    return stub_->Login(Context().get(), request, &response);
  };
  grpc::Status wrong_password = login(user.email, "wrong password");
  grpc::Status unknown_email = login(UniqueEmail("nobody"), user.password);
  EXPECT_EQ(wrong_password.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(unknown_email.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(wrong_password.error_message(), unknown_email.error_message());
  // Any letter case of the e-mail logs in.
  EXPECT_TRUE(login(absl::AsciiStrToUpper(user.email), user.password).ok());
}

TEST_F(MiniterApiTest, TweetTextErrors) {
  TestUser user = SignUpAndLogin(*stub_, "texter");
  for (const std::string& bad :
       {std::string(), std::string(" \n\t "), kHangul300 + "\xED\x95\x9C",
        std::string(301, 'x'),
        // Protobuf refuses to parse this (proto3 strings are UTF-8); the
        // client's library only logs when sending it.
        std::string("bad \xFF utf8")}) {
    v1::TweetRequest request;
    request.set_text(bad);
    v1::TweetResponse response;
    EXPECT_EQ(stub_->Tweet(Context(user.token).get(), request, &response)
                  .error_code(),
              grpc::StatusCode::INVALID_ARGUMENT);
  }
}

TEST_F(MiniterApiTest, TokenErrorsAreUnauthenticated) {
  TestUser user = SignUpAndLogin(*stub_, "tokens");
  std::string forged = user.token;
  forged.back() = forged.back() == 'A' ? 'B' : 'A';
  for (const std::string& metadata :
       {std::string(), std::string("Bearer"), std::string("Basic abc"),
        std::string("Bearer not.a.jwt"), "Bearer " + forged}) {
    grpc::ClientContext context;
    if (!metadata.empty()) context.AddMetadata("authorization", metadata);
    v1::TweetRequest request;
    request.set_text("hi");
    v1::TweetResponse response;
    EXPECT_EQ(stub_->Tweet(&context, request, &response).error_code(),
              grpc::StatusCode::UNAUTHENTICATED)
        << metadata;
  }
  // Follow, Unfollow and Timeline need a token too.
  v1::FollowRequest follow;
  follow.set_user_id(user.id);
  v1::FollowResponse followed;
  EXPECT_EQ(stub_->Follow(Context().get(), follow, &followed).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  v1::UnfollowRequest unfollow;
  unfollow.set_user_id(user.id);
  v1::UnfollowResponse unfollowed;
  EXPECT_EQ(
      stub_->Unfollow(Context().get(), unfollow, &unfollowed).error_code(),
      grpc::StatusCode::UNAUTHENTICATED);
  v1::TimelineRequest timeline;
  v1::TimelineResponse page;
  EXPECT_EQ(stub_->Timeline(Context().get(), timeline, &page).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(MiniterApiTest, ExpiredTokenIsUnauthenticated) {
  TestUser user = SignUpAndLogin(*stub_, "expiring");
  // A server whose tokens live one second, on the same database.
  app::ServerOptions options = TestServerOptions(TestDatabaseUrl());
  options.token_lifetime = absl::Seconds(1);
  absl::StatusOr<std::unique_ptr<app::MiniterServer>> short_lived =
      app::MiniterServer::Start(options);
  ASSERT_TRUE(short_lived.ok()) << short_lived.status();
  auto stub = StubForPort((*short_lived)->port());
  v1::LoginRequest login;
  login.set_email(user.email);
  login.set_password(user.password);
  v1::LoginResponse token;
  ASSERT_TRUE(stub->Login(Context().get(), login, &token).ok());
  // The scenario, not a wait for another thread: the token must expire on
  // the server's own clock (TokenServiceTest covers expiry with an injected
  // one). JWT times are whole seconds, so 1 s of lifetime can last almost 2.
  absl::SleepFor(absl::Seconds(2.1));
  v1::TweetRequest request;
  request.set_text("too late");
  v1::TweetResponse response;
  grpc::Status status =
      stub->Tweet(Context(token.access_token()).get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(status.error_message(), HasSubstr("expired"));
}

// A connection older than max_connection_age is sent GOAWAY (the client
// then reconnects, possibly to another server): the channel leaves READY.
TEST_F(MiniterApiTest, ConnectionsAreAgedOut) {
  app::ServerOptions options = TestServerOptions(TestDatabaseUrl());
  options.max_connection_age = absl::Seconds(1);
  options.max_connection_age_grace = absl::Seconds(1);
  absl::StatusOr<std::unique_ptr<app::MiniterServer>> server =
      app::MiniterServer::Start(options);
  ASSERT_TRUE(server.ok()) << server.status();
  std::shared_ptr<grpc::Channel> channel =
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", (*server)->port()),
                          grpc::InsecureChannelCredentials());
  auto stub = v1::Miniter::NewStub(channel);
  v1::TimelineRequest request;
  v1::TimelineResponse response;
  // Any answer will do: the call only opens the connection.
  (void)stub->Timeline(Context().get(), request, &response);
  ASSERT_EQ(channel->GetState(false), GRPC_CHANNEL_READY);
  const absl::Time start = absl::Now();
  // The age is jittered by +-10%; a limit of 10 s leaves room for a slow
  // machine and fails if connections are never aged.
  EXPECT_TRUE(channel->WaitForStateChange(
      GRPC_CHANNEL_READY, absl::ToChronoTime(absl::Now() + absl::Seconds(10))));
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
}

// At shutdown a Health.Watch stream is told NOT_SERVING and then ended by
// the server, so it does not hold the server open for the whole grace.
TEST_F(MiniterApiTest, ShutdownEndsHealthWatchStreams) {
  app::ServerOptions options = TestServerOptions(TestDatabaseUrl());
  options.shutdown_grace = absl::Seconds(20);
  absl::StatusOr<std::unique_ptr<app::MiniterServer>> server =
      app::MiniterServer::Start(options);
  ASSERT_TRUE(server.ok()) << server.status();
  auto health = grpc::health::v1::Health::NewStub(
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", (*server)->port()),
                          grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(30));
  grpc::health::v1::HealthCheckRequest request;
  request.set_service("miniter.v1.Miniter");
  auto stream = health->Watch(&context, request);
  grpc::health::v1::HealthCheckResponse response;
  ASSERT_TRUE(stream->Read(&response));
  EXPECT_EQ(response.status(), grpc::health::v1::HealthCheckResponse::SERVING);
  const absl::Time start = absl::Now();
  std::thread stopper([&] { (*server)->Shutdown(); });
  ASSERT_TRUE(stream->Read(&response));
  EXPECT_EQ(response.status(),
            grpc::health::v1::HealthCheckResponse::NOT_SERVING);
  EXPECT_FALSE(stream->Read(&response));
  EXPECT_TRUE(stream->Finish().ok());
  stopper.join();
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
}

TEST_F(MiniterApiTest, FollowErrors) {
  TestUser user = SignUpAndLogin(*stub_, "follower");
  TestUser other = SignUpAndLogin(*stub_, "followee");
  const std::uint64_t unknown = 18446744073709551615ull;
  EXPECT_EQ(Follow(user, unknown).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(Unfollow(user, unknown).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(Follow(user, user.id).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Follow(user, 0).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(Follow(user, other.id).ok());
  EXPECT_TRUE(Follow(user, other.id).ok());
  EXPECT_TRUE(Unfollow(user, other.id).ok());
  EXPECT_TRUE(Unfollow(user, other.id).ok());
}

TEST_F(MiniterApiTest, TimelineErrors) {
  TestUser user = SignUpAndLogin(*stub_, "timeline");
  grpc::Status status;
  Timeline(user, 18446744073709551615ull, 0, "", &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  Timeline(user, 0, 101, "", &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  Timeline(user, 0, -5, "", &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  Timeline(user, 0, 10, "not-a-token", &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  Timeline(user, 0, 100, "", &status);
  EXPECT_TRUE(status.ok());
}

TEST_F(MiniterApiTest, OversizedRequestIsResourceExhausted) {
  TestUser user = SignUpAndLogin(*stub_, "big");
  v1::TweetRequest request;
  request.set_text(std::string(100 * 1024, 'x'));
  v1::TweetResponse response;
  EXPECT_EQ(
      stub_->Tweet(Context(user.token).get(), request, &response).error_code(),
      grpc::StatusCode::RESOURCE_EXHAUSTED);
}

}  // namespace
}  // namespace miniter::testing
