// paged_lists_rules_test.cc: ListFollowing, ListFollowers and UserTweets in
// the rules, against mocked storage: page sizes, the keyset handed to
// storage and back as a signed token bound to its RPC and user_id,
// e-mail addresses kept for their owner only, NOT_FOUND, and per-account
// admission.
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/rules/miniter_rules.h"
#include "server/rules/page_token.h"
#include "server/storage/mocks/mock_stores.h"

namespace miniter::rules {
namespace {

using storage::FollowListEntry;
using storage::FollowListQuery;
using storage::TimelinePageQuery;
using storage::TweetRecord;
using storage::UserRecord;
using storage::UserTweetsQuery;
using ::testing::_;
using ::testing::AllOf;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::NiceMock;
using ::testing::Return;

const absl::Time kNow = absl::FromUnixSeconds(1'800'000'000);

FollowListEntry Entry(storage::UserId id, absl::Time followed_at) {
  return {UserRecord{id, absl::StrCat("user", id),
                     absl::StrCat("u", id, "@example.com"), "", kNow},
          followed_at};
}

class PagedListsRulesTest : public ::testing::Test {
 protected:
  explicit PagedListsRulesTest(int max_calls_per_account = 0) {
    MiniterRules::Dependencies deps;
    deps.users = std::make_shared<NiceMock<storage::MockUserStore>>();
    deps.tweets = tweets_;
    deps.follows = follows_;
    deps.tokens = *TokenService::Create(std::string(32, 'k'), absl::Hours(1));
    deps.rate_limits.max_calls_in_flight_per_account = max_calls_per_account;
    rules_ = std::make_unique<MiniterRules>(std::move(deps));
  }

  std::shared_ptr<NiceMock<storage::MockTweetStore>> tweets_ =
      std::make_shared<NiceMock<storage::MockTweetStore>>();
  std::shared_ptr<NiceMock<storage::MockFollowStore>> follows_ =
      std::make_shared<NiceMock<storage::MockFollowStore>>();
  std::unique_ptr<MiniterRules> rules_;
};

TEST_F(PagedListsRulesTest, FollowersPageByTheKeysetOfItsLastEdge) {
  const absl::Time t1 = kNow - absl::Seconds(1);
  const absl::Time t2 = kNow - absl::Microseconds(2500001);
  // One more than asked for: there is a next page.
  EXPECT_CALL(*follows_,
              ListFollowers(AllOf(Field(&FollowListQuery::user_id, 3u),
                                  Field(&FollowListQuery::limit, 3),
                                  Field(&FollowListQuery::after_user_id, 0u))))
      .WillOnce(Return(std::vector<FollowListEntry>{Entry(9, t1), Entry(7, t2),
                                                    Entry(5, t2)}));
  absl::StatusOr<UserListPage> page = rules_->ListFollowers(3, 0, 2, "");
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_EQ(page->users.size(), 2u);
  EXPECT_EQ(page->users[0].id, 9u);
  EXPECT_EQ(page->users[1].id, 7u);
  ASSERT_FALSE(page->next_page_token.empty());

  // The next page starts after (t2, 7), for user 3, whoever asks.
  EXPECT_CALL(*follows_, ListFollowers(AllOf(
                             Field(&FollowListQuery::user_id, 3u),
                             Field(&FollowListQuery::after_followed_at, t2),
                             Field(&FollowListQuery::after_user_id, 7u))))
      .WillOnce(Return(std::vector<FollowListEntry>{Entry(5, t2)}));
  absl::StatusOr<UserListPage> next =
      rules_->ListFollowers(8, 3, 2, page->next_page_token);
  ASSERT_TRUE(next.ok()) << next.status();
  ASSERT_EQ(next->users.size(), 1u);
  EXPECT_EQ(next->users[0].id, 5u);
  EXPECT_TRUE(next->next_page_token.empty());
}

TEST_F(PagedListsRulesTest, AListTokenIsRefusedByOtherUsersAndOtherRpcs) {
  EXPECT_CALL(*follows_,
              ListFollowing(Field(&FollowListQuery::after_user_id, 0u)))
      .WillOnce(
          Return(std::vector<FollowListEntry>{Entry(4, kNow), Entry(5, kNow)}));
  absl::StatusOr<UserListPage> page = rules_->ListFollowing(3, 0, 1, "");
  ASSERT_TRUE(page.ok()) << page.status();
  const std::string token = page->next_page_token;
  ASSERT_FALSE(token.empty());

  // Nothing below may reach storage.
  EXPECT_CALL(*follows_, ListFollowers(_)).Times(0);
  EXPECT_CALL(*tweets_, ReadUserTweetsPage(_)).Times(0);
  EXPECT_CALL(*tweets_, ReadTimelinePage(_)).Times(0);
  absl::Status other_user = rules_->ListFollowing(3, 4, 1, token).status();
  EXPECT_EQ(other_user.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(other_user.message(), HasSubstr("another user_id"));
  absl::Status other_list = rules_->ListFollowers(3, 3, 1, token).status();
  EXPECT_EQ(other_list.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(other_list.message(), HasSubstr("ListFollowers"));
  EXPECT_EQ(rules_->ReadUserTweets(3, 3, 1, token).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(rules_->ReadTimeline(3, 3, 1, token).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(PagedListsRulesTest, EmailsAreKeptForTheirOwnerOnly) {
  EXPECT_CALL(*follows_, ListFollowers(_))
      .WillOnce(
          Return(std::vector<FollowListEntry>{Entry(8, kNow), Entry(9, kNow)}));
  // Caller 8 reads user 3's followers: 8 is among them.
  absl::StatusOr<UserListPage> page = rules_->ListFollowers(8, 3, 20, "");
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_EQ(page->users.size(), 2u);
  EXPECT_EQ(page->users[0].email, "u8@example.com");
  EXPECT_EQ(page->users[1].email, "");
  EXPECT_EQ(page->users[1].name, "user9");
}

TEST_F(PagedListsRulesTest, PageSizesAndTokensAreCheckedBeforeStorage) {
  EXPECT_CALL(*follows_, ListFollowing(Field(&FollowListQuery::limit, 21)))
      .WillOnce(Return(std::vector<FollowListEntry>{}));
  EXPECT_CALL(*follows_, ListFollowers(Field(&FollowListQuery::limit, 101)))
      .WillOnce(Return(std::vector<FollowListEntry>{}));
  EXPECT_CALL(*tweets_, ReadUserTweetsPage(Field(&UserTweetsQuery::limit, 2)))
      .WillOnce(Return(std::vector<TweetRecord>{}));
  EXPECT_TRUE(rules_->ListFollowing(3, 0, 0, "").ok());
  EXPECT_TRUE(rules_->ListFollowers(3, 0, 100, "").ok());
  EXPECT_TRUE(rules_->ReadUserTweets(3, 0, 1, "").ok());
  for (int bad : {-1, 101, 1 << 30}) {
    EXPECT_EQ(rules_->ListFollowing(3, 0, bad, "").status().code(),
              absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(rules_->ListFollowers(3, 0, bad, "").status().code(),
              absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(rules_->ReadUserTweets(3, 0, bad, "").status().code(),
              absl::StatusCode::kInvalidArgument);
  }
  for (const char* bad : {"garbage", "AAAA", "!!", " "}) {
    EXPECT_EQ(rules_->ListFollowing(3, 0, 5, bad).status().code(),
              absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(rules_->ListFollowers(3, 0, 5, bad).status().code(),
              absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(rules_->ReadUserTweets(3, 0, 5, bad).status().code(),
              absl::StatusCode::kInvalidArgument);
  }
}

TEST_F(PagedListsRulesTest, UserTweetsPageLikeTimelineWithTheirOwnTokens) {
  EXPECT_CALL(*tweets_, ReadUserTweetsPage(AllOf(
                            Field(&UserTweetsQuery::user_id, 4u),
                            Field(&UserTweetsQuery::limit, 3),
                            Field(&UserTweetsQuery::before_tweet_id, 0u))))
      .WillOnce(Return(std::vector<TweetRecord>{{30, 4, "Bob", "c", kNow},
                                                {20, 4, "Bob", "b", kNow},
                                                {10, 4, "Bob", "a", kNow}}));
  absl::StatusOr<TimelinePage> page = rules_->ReadUserTweets(3, 4, 2, "");
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_EQ(page->tweets.size(), 2u);
  ASSERT_FALSE(page->next_page_token.empty());

  EXPECT_CALL(*tweets_, ReadUserTweetsPage(AllOf(
                            Field(&UserTweetsQuery::user_id, 4u),
                            Field(&UserTweetsQuery::before_tweet_id, 20u))))
      .WillOnce(Return(std::vector<TweetRecord>{{10, 4, "Bob", "a", kNow}}));
  absl::StatusOr<TimelinePage> next =
      rules_->ReadUserTweets(4, 0, 2, page->next_page_token);
  ASSERT_TRUE(next.ok()) << next.status();
  EXPECT_EQ(next->tweets.size(), 1u);
  EXPECT_TRUE(next->next_page_token.empty());

  // Not for another author, not for Timeline; and a Timeline token of the
  // same user is not one of UserTweets.
  EXPECT_CALL(*tweets_, ReadTimelinePage(_)).Times(0);
  EXPECT_EQ(
      rules_->ReadUserTweets(3, 5, 2, page->next_page_token).status().code(),
      absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(
      rules_->ReadTimeline(3, 4, 2, page->next_page_token).status().code(),
      absl::StatusCode::kInvalidArgument);
  const std::string timeline_token =
      PageTokenCodec::Create(
          TokenService::Create(std::string(32, 'k'), absl::Hours(1))
              .value()
              ->DeriveKeys(kPageTokenKeyLabel))
          ->Encode({4, 20});
  absl::Status refused =
      rules_->ReadUserTweets(3, 4, 2, timeline_token).status();
  EXPECT_EQ(refused.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(refused.message(), HasSubstr("UserTweets"));
}

TEST_F(PagedListsRulesTest, UnknownUsersAreNotFound) {
  EXPECT_CALL(*follows_, ListFollowing(_))
      .WillOnce(Return(absl::NotFoundError("no user")));
  EXPECT_CALL(*follows_, ListFollowers(_))
      .WillOnce(Return(absl::NotFoundError("no user")));
  EXPECT_CALL(*tweets_, ReadUserTweetsPage(_))
      .WillOnce(Return(absl::NotFoundError("no user")));
  for (const absl::Status& status :
       {rules_->ListFollowing(3, 77, 20, "").status(),
        rules_->ListFollowers(3, 77, 20, "").status(),
        rules_->ReadUserTweets(3, 77, 20, "").status()}) {
    EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
    EXPECT_THAT(status.message(), HasSubstr("77"));
  }
}

class OnePlacePerAccountTest : public PagedListsRulesTest {
 protected:
  OnePlacePerAccountTest() : PagedListsRulesTest(/*max_calls_per_account=*/1) {}
};

// Each of the three takes one of the caller's places: with one place, a
// call of the same account made while a list read runs is refused, one of
// another account is not.
TEST_F(OnePlacePerAccountTest, EachReadTakesOneOfTheCallersPlaces) {
  absl::Status nested_same = absl::UnknownError("not run");
  absl::Status nested_other = absl::UnknownError("not run");
  absl::Status nested_tweets = absl::UnknownError("not run");
  EXPECT_CALL(*follows_, ListFollowers(_))
      .WillOnce([&](const FollowListQuery&) {
        nested_same = rules_->ListFollowing(3, 0, 5, "").status();
        nested_tweets = rules_->ReadUserTweets(3, 0, 5, "").status();
        nested_other = rules_->ListFollowing(5, 0, 5, "").status();
        return std::vector<FollowListEntry>();
      });
  EXPECT_CALL(*follows_, ListFollowing(Field(&FollowListQuery::user_id, 5u)))
      .WillOnce(Return(std::vector<FollowListEntry>()));
  EXPECT_TRUE(rules_->ListFollowers(3, 0, 5, "").ok());
  EXPECT_EQ(nested_same.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(nested_tweets.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_TRUE(nested_other.ok()) << nested_other;
}

}  // namespace
}  // namespace miniter::rules
