// miniter_rules_test.cc: the rules against mocked storage: validation before
// storage, status mapping of storage errors, login that does not reveal
// which e-mails exist, authentication, follow and timeline paging.
#include "server/rules/miniter_rules.h"

#include <memory>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/common/retry_hint.h"
#include "server/rules/page_token.h"
#include "server/storage/mocks/mock_stores.h"

namespace miniter::rules {
namespace {

using ::testing::_;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::NiceMock;
using ::testing::Return;
using storage::TimelinePageQuery;
using storage::TweetRecord;
using storage::UserCredentials;
using storage::UserRecord;

const absl::Time kNow = absl::FromUnixSeconds(1'800'000'000);

class MiniterRulesTest : public ::testing::Test {
 protected:
  MiniterRulesTest() {
    PasswordHasherOptions cheap;
    // Tests only: the cheapest Argon2id libsodium allows.
    cheap.ops_limit = 1;
    cheap.mem_limit_bytes = 8192;
    hasher_ = std::make_shared<PasswordHasher>(cheap);
    tokens_ = *TokenService::Create(std::string(32, 'k'), absl::Hours(1));
    MiniterRules::Dependencies deps;
    deps.users = users_;
    deps.tweets = tweets_;
    deps.follows = follows_;
    deps.password_hasher = hasher_;
    deps.tokens = tokens_;
    deps.clock = [this] { return now_; };
    rules_ = std::make_unique<MiniterRules>(std::move(deps));
  }

  std::string BearerFor(storage::UserId user) {
    return "Bearer " + tokens_->Issue(user, now_)->token;
  }

  std::shared_ptr<NiceMock<storage::MockUserStore>> users_ =
      std::make_shared<NiceMock<storage::MockUserStore>>();
  std::shared_ptr<NiceMock<storage::MockTweetStore>> tweets_ =
      std::make_shared<NiceMock<storage::MockTweetStore>>();
  std::shared_ptr<NiceMock<storage::MockFollowStore>> follows_ =
      std::make_shared<NiceMock<storage::MockFollowStore>>();
  std::shared_ptr<PasswordHasher> hasher_;
  std::shared_ptr<const TokenService> tokens_;
  absl::Time now_ = kNow;
  std::unique_ptr<MiniterRules> rules_;
};

TEST_F(MiniterRulesTest, SignUpStoresAHashAndTheFoldedEmailKey) {
  storage::NewUser stored;
  EXPECT_CALL(*users_, CreateUser(_))
      .WillOnce([&](const storage::NewUser& user) {
        stored = user;
        return UserRecord{5, user.name, user.email, user.profile, kNow};
      });
  absl::StatusOr<UserRecord> user =
      rules_->SignUp({"Ann", "Ann@Example.com", "correct horse", "hi"});
  ASSERT_TRUE(user.ok()) << user.status();
  EXPECT_EQ(user->id, 5u);
  EXPECT_EQ(stored.email, "Ann@Example.com");
  EXPECT_EQ(stored.email_key, "ann@example.com");
  EXPECT_NE(stored.password_hash, "correct horse");
  EXPECT_TRUE(*hasher_->Verify(stored.password_hash, "correct horse"));
}

TEST_F(MiniterRulesTest, SignUpValidatesBeforeTouchingStorage) {
  EXPECT_CALL(*users_, CreateUser(_)).Times(0);
  struct Case {
    SignUpInput input;
    const char* field;
  };
  for (const Case& c : {
           Case{{"", "a@example.com", "password1", ""}, "name"},
           Case{{"Ann", "not-an-email", "password1", ""}, "email"},
           Case{{"Ann", "a@example.com", "short", ""}, "password"},
           Case{{"Ann", "a@example.com", "password1", std::string(2001, 'p')},
                "profile"},
       }) {
    absl::StatusOr<UserRecord> user = rules_->SignUp(c.input);
    EXPECT_EQ(user.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(user.status().message(), HasSubstr(c.field));
  }
}

TEST_F(MiniterRulesTest, SignUpDuplicateIsAlreadyExists) {
  EXPECT_CALL(*users_, CreateUser(_))
      .WillOnce(Return(absl::AlreadyExistsError("duplicate key")));
  absl::StatusOr<UserRecord> user =
      rules_->SignUp({"Ann", "ann@example.com", "correct horse", ""});
  EXPECT_EQ(user.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_THAT(user.status().message(), HasSubstr("e-mail"));
}

TEST_F(MiniterRulesTest, StorageUnavailablePassesThrough) {
  EXPECT_CALL(*users_, CreateUser(_))
      .WillOnce(Return(absl::UnavailableError("database unavailable")));
  EXPECT_EQ(rules_->SignUp({"Ann", "ann@example.com", "correct horse", ""})
                .status()
                .code(),
            absl::StatusCode::kUnavailable);
}

TEST_F(MiniterRulesTest, LoginGivesTheSameAnswerForUnknownEmailAndWrongPassword) {
  const std::string hash = *hasher_->Hash("correct horse");
  ON_CALL(*users_, FindCredentialsByEmailKey(std::string_view("ann@example.com")))
      .WillByDefault(Return(UserCredentials{5, hash}));
  ON_CALL(*users_, FindCredentialsByEmailKey(std::string_view("bob@example.com")))
      .WillByDefault(Return(absl::NotFoundError("no such e-mail")));

  absl::Status wrong_password =
      rules_->Login("ANN@example.com", "wrong horse").status();
  absl::Status unknown_email =
      rules_->Login("bob@example.com", "correct horse").status();
  EXPECT_EQ(wrong_password.code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(unknown_email, wrong_password);

  absl::StatusOr<LoginResult> login =
      rules_->Login("ANN@example.com", "correct horse");
  ASSERT_TRUE(login.ok()) << login.status();
  EXPECT_EQ(login->user_id, 5u);
  EXPECT_EQ(login->token.expires_at, kNow + absl::Hours(1));
  EXPECT_EQ(*rules_->Authenticate("Bearer " + login->token.token), 5u);
}

TEST_F(MiniterRulesTest, AuthenticateRejectsMissingMalformedExpiredTokens) {
  EXPECT_EQ(rules_->Authenticate("").status().code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(rules_->Authenticate("Bearer").status().code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(rules_->Authenticate("Basic dXNlcjpwYXNz").status().code(),
            absl::StatusCode::kUnauthenticated);
  const std::string bearer = BearerFor(9);
  EXPECT_EQ(*rules_->Authenticate(bearer), 9u);
  // The scheme is case-insensitive (RFC 7235).
  EXPECT_EQ(*rules_->Authenticate("bearer " + bearer.substr(7)), 9u);
  now_ += absl::Hours(2);
  EXPECT_EQ(rules_->Authenticate(bearer).status().code(),
            absl::StatusCode::kUnauthenticated);
}

TEST_F(MiniterRulesTest, TweetIsNormalizedBeforeStorage) {
  EXPECT_CALL(*tweets_, CreateTweet(3, std::string_view("caf\xC3\xA9"), std::string_view()))
      .WillOnce(Return(TweetRecord{1, 3, "Ann", "caf\xC3\xA9", kNow}));
  EXPECT_TRUE(rules_->PostTweet(3, "cafe\xCC\x81").ok());
}

TEST_F(MiniterRulesTest, TweetTooLongNeverReachesStorage) {
  EXPECT_CALL(*tweets_, CreateTweet(_, _, _)).Times(0);
  EXPECT_EQ(rules_->PostTweet(3, std::string(301, 'x')).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(MiniterRulesTest, FollowRules) {
  EXPECT_EQ(rules_->Follow(3, 3).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(rules_->Follow(3, 0).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_CALL(*follows_, Follow(3, 99))
      .WillOnce(Return(absl::NotFoundError("fk")));
  absl::Status missing = rules_->Follow(3, 99);
  EXPECT_EQ(missing.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(missing.message(), HasSubstr("99"));
  EXPECT_CALL(*follows_, Unfollow(3, 4)).WillOnce(Return(absl::OkStatus()));
  EXPECT_TRUE(rules_->Unfollow(3, 4).ok());
}

TEST_F(MiniterRulesTest, TimelinePagesWithACursorForTheSameUser) {
  EXPECT_CALL(*tweets_,
              ReadTimelinePage(AllOf(Field(&TimelinePageQuery::user_id, 3u),
                                     Field(&TimelinePageQuery::limit, 3),
                                     Field(&TimelinePageQuery::before_tweet_id, 0u))))
      .WillOnce(Return(std::vector<TweetRecord>{
          {30, 3, "Ann", "c", kNow}, {20, 4, "Bob", "b", kNow},
          {10, 3, "Ann", "a", kNow}}));
  absl::StatusOr<TimelinePage> page = rules_->ReadTimeline(3, 0, 2, "");
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_EQ(page->tweets.size(), 2u);
  EXPECT_EQ(page->tweets[1].id, 20u);
  ASSERT_FALSE(page->next_page_token.empty());

  EXPECT_CALL(*tweets_, ReadTimelinePage(
                            Field(&TimelinePageQuery::before_tweet_id, 20u)))
      .WillOnce(Return(std::vector<TweetRecord>{{10, 3, "Ann", "a", kNow}}));
  absl::StatusOr<TimelinePage> next =
      rules_->ReadTimeline(8, 3, 2, page->next_page_token);
  ASSERT_TRUE(next.ok()) << next.status();
  EXPECT_EQ(next->tweets.size(), 1u);
  EXPECT_TRUE(next->next_page_token.empty());

  // A cursor from user 3's timeline is not valid for user 4's.
  EXPECT_EQ(rules_->ReadTimeline(8, 4, 2, page->next_page_token).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(MiniterRulesTest, TimelinePageSizeBounds) {
  EXPECT_CALL(*tweets_, ReadTimelinePage(Field(&TimelinePageQuery::limit, 21)))
      .WillOnce(Return(std::vector<TweetRecord>{}));
  EXPECT_TRUE(rules_->ReadTimeline(3, 0, 0, "").ok());
  EXPECT_EQ(rules_->ReadTimeline(3, 0, 101, "").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(rules_->ReadTimeline(3, 0, -1, "").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(rules_->ReadTimeline(3, 0, 20, "garbage").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(MiniterRulesTest, TimelineOfUnknownUserIsNotFound) {
  EXPECT_CALL(*tweets_, ReadTimelinePage(_))
      .WillOnce(Return(absl::NotFoundError("no user")));
  EXPECT_EQ(rules_->ReadTimeline(3, 77, 20, "").status().code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace miniter::rules

// ---- Tweet request ids and rate limits ------------------------------------

namespace miniter::rules {
namespace {

TEST_F(MiniterRulesTest, TweetRequestIdReachesStorageAndAReplayIsOk) {
  EXPECT_CALL(*tweets_, CreateTweet(3, std::string_view("hi"),
                                    std::string_view("req-1")))
      .Times(2)
      .WillRepeatedly(Return(TweetRecord{9, 3, "Ann", "hi", kNow}));
  absl::StatusOr<TweetRecord> first = rules_->PostTweet(3, "hi", "req-1");
  absl::StatusOr<TweetRecord> again = rules_->PostTweet(3, "hi", "req-1");
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->id, first->id);
}

TEST_F(MiniterRulesTest, TweetRequestIdReusedWithOtherTextIsAlreadyExists) {
  // Storage returns the tweet stored first under the id.
  EXPECT_CALL(*tweets_, CreateTweet(3, std::string_view("second"),
                                    std::string_view("req-1")))
      .WillOnce(Return(TweetRecord{9, 3, "Ann", "first", kNow}));
  absl::StatusOr<TweetRecord> tweet = rules_->PostTweet(3, "second", "req-1");
  EXPECT_EQ(tweet.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_THAT(tweet.status().message(), HasSubstr("request_id"));
}

TEST_F(MiniterRulesTest, BadRequestIdsNeverReachStorage) {
  EXPECT_CALL(*tweets_, CreateTweet(_, _, _)).Times(0);
  for (const std::string& bad :
       {std::string(65, 'a'), std::string("has space"), std::string("tab\t"),
        std::string("nul\0x", 5), std::string("\xEC\x95\x88")}) {
    EXPECT_EQ(rules_->PostTweet(3, "hi", bad).status().code(),
              absl::StatusCode::kInvalidArgument)
        << bad;
  }
}

class RateLimitedRulesTest : public MiniterRulesTest {
 protected:
  RateLimitedRulesTest() {
    MiniterRules::Dependencies deps;
    deps.users = users_;
    deps.tweets = tweets_;
    deps.follows = follows_;
    deps.password_hasher = hasher_;
    deps.tokens = tokens_;
    deps.clock = [this] { return now_; };
    deps.rate_limits.signup_per_peer = {2, absl::Minutes(1)};
    deps.rate_limits.login_per_peer = {5, absl::Minutes(1)};
    deps.rate_limits.login_per_email = {2, absl::Minutes(1)};
    deps.rate_limits.tweet_per_peer = {3, absl::Minutes(1)};
    deps.rate_limits.tweet_per_account = {2, absl::Minutes(1)};
    rules_ = std::make_unique<MiniterRules>(std::move(deps));
  }
};

TEST_F(RateLimitedRulesTest, SignUpPerPeerWithRetryHint) {
  EXPECT_TRUE(rules_->AdmitSignUp("10.0.0.1").ok());
  EXPECT_TRUE(rules_->AdmitSignUp("10.0.0.1").ok());
  absl::Status refused = rules_->AdmitSignUp("10.0.0.1");
  EXPECT_EQ(refused.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(refused.message(), HasSubstr("sign-ups"));
  ASSERT_TRUE(common::RetryAfter(refused).has_value());
  EXPECT_EQ(*common::RetryAfter(refused), absl::Seconds(30));
  EXPECT_TRUE(rules_->AdmitSignUp("10.0.0.2").ok());  // another client
  now_ += absl::Seconds(30);
  EXPECT_TRUE(rules_->AdmitSignUp("10.0.0.1").ok());
}

TEST_F(RateLimitedRulesTest, LoginPerEmailIgnoresLetterCaseAndPeer) {
  EXPECT_TRUE(rules_->AdmitLogin("10.0.0.1", "Ann@Example.com").ok());
  EXPECT_TRUE(rules_->AdmitLogin("10.0.0.2", "ann@example.com").ok());
  absl::Status refused = rules_->AdmitLogin("10.0.0.3", "ANN@EXAMPLE.COM");
  EXPECT_EQ(refused.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(refused.message(), HasSubstr("e-mail"));
  EXPECT_TRUE(common::RetryAfter(refused).has_value());
  EXPECT_TRUE(rules_->AdmitLogin("10.0.0.3", "bob@example.com").ok());
}

TEST_F(RateLimitedRulesTest, TweetPerAccountLeavesOtherAccountsAlone) {
  EXPECT_TRUE(rules_->AdmitTweet("10.0.0.1", 1).ok());
  EXPECT_TRUE(rules_->AdmitTweet("10.0.0.1", 1).ok());
  EXPECT_EQ(rules_->AdmitTweet("10.0.0.9", 1).code(),
            absl::StatusCode::kResourceExhausted);
  EXPECT_TRUE(rules_->AdmitTweet("10.0.0.9", 2).ok());
}

TEST_F(RateLimitedRulesTest, TweetPerPeerCoversAccountsBehindOneAddress) {
  EXPECT_TRUE(rules_->AdmitTweet("10.0.0.1", 1).ok());
  EXPECT_TRUE(rules_->AdmitTweet("10.0.0.1", 2).ok());
  EXPECT_TRUE(rules_->AdmitTweet("10.0.0.1", 3).ok());
  absl::Status refused = rules_->AdmitTweet("10.0.0.1", 4);
  EXPECT_EQ(refused.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(refused.message(), HasSubstr("address"));
}

}  // namespace
}  // namespace miniter::rules
