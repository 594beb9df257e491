// user_profile_rules_test.cc: GetUser and SearchUsers in the rules against
// mocked storage: who sees an e-mail address, NOT_FOUND, query and
// page_size validation before storage, and search paging with page tokens
// bound to the query.
#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/rules/miniter_rules.h"
#include "server/storage/mocks/mock_stores.h"

namespace miniter::rules {
namespace {

using storage::FoundUser;
using storage::UserProfile;
using storage::UserSearchQuery;
using ::testing::_;
using ::testing::AllOf;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::NiceMock;
using ::testing::Return;

class UserProfileRulesTest : public ::testing::Test {
 protected:
  UserProfileRulesTest() {
    MiniterRules::Dependencies deps;
    deps.users = users_;
    deps.tweets = std::make_shared<NiceMock<storage::MockTweetStore>>();
    deps.follows = std::make_shared<NiceMock<storage::MockFollowStore>>();
    rules_ = std::make_unique<MiniterRules>(std::move(deps));
  }

  static UserProfile Profile(storage::UserId id) {
    UserProfile profile;
    profile.user.id = id;
    profile.user.name = "Ann";
    profile.user.email = "ann@example.com";
    profile.follower_count = 5;
    profile.following_count = 2;
    return profile;
  }

  static FoundUser Found(storage::UserId id, std::string key) {
    FoundUser user;
    user.user.id = id;
    user.user.name = key;
    user.user.email = "someone@example.com";
    user.name_key = std::move(key);
    return user;
  }

  std::shared_ptr<NiceMock<storage::MockUserStore>> users_ =
      std::make_shared<NiceMock<storage::MockUserStore>>();
  std::unique_ptr<MiniterRules> rules_;
};

TEST_F(UserProfileRulesTest, OwnProfileHasTheEmailOthersDoNot) {
  EXPECT_CALL(*users_, GetUserProfile(3)).WillRepeatedly(Return(Profile(3)));
  absl::StatusOr<UserProfile> own = rules_->GetUser(3, 0);
  ASSERT_TRUE(own.ok()) << own.status();
  EXPECT_EQ(own->user.email, "ann@example.com");
  EXPECT_EQ(own->follower_count, 5u);
  EXPECT_EQ(own->following_count, 2u);
  EXPECT_EQ(rules_->GetUser(3, 3)->user.email, "ann@example.com");
  absl::StatusOr<UserProfile> other = rules_->GetUser(8, 3);
  ASSERT_TRUE(other.ok()) << other.status();
  EXPECT_EQ(other->user.email, "");
  EXPECT_EQ(other->user.name, "Ann");
}

TEST_F(UserProfileRulesTest, UnknownUserIsNotFoundNamingTheId) {
  EXPECT_CALL(*users_, GetUserProfile(77))
      .WillOnce(Return(absl::NotFoundError("user not found")));
  absl::Status status = rules_->GetUser(3, 77).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(status.message(), HasSubstr("77"));
  EXPECT_CALL(*users_, GetUserProfile(78))
      .WillOnce(Return(absl::UnavailableError("down")));
  EXPECT_EQ(rules_->GetUser(3, 78).status().code(),
            absl::StatusCode::kUnavailable);
}

TEST_F(UserProfileRulesTest, SearchFoldsTheQueryAndPagesWithItsCursor) {
  EXPECT_CALL(*users_, SearchUsersByNameKey(AllOf(
                           Field(&UserSearchQuery::name_key_prefix, "strasse"),
                           Field(&UserSearchQuery::after_id, 0u),
                           Field(&UserSearchQuery::limit, 3))))
      .WillOnce(Return(std::vector<FoundUser>{Found(4, "strasse a"),
                                              Found(9, "strasse b"),
                                              Found(2, "strasse c")}));
  absl::StatusOr<UserSearchPage> page =
      rules_->SearchUsers(9, "STRASSE", 2, "");
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_EQ(page->users.size(), 2u);
  EXPECT_EQ(page->users[0].id, 4u);
  // Only the caller's own e-mail address.
  EXPECT_EQ(page->users[0].email, "");
  EXPECT_EQ(page->users[1].email, "someone@example.com");
  ASSERT_FALSE(page->next_page_token.empty());

  EXPECT_CALL(*users_, SearchUsersByNameKey(AllOf(
                           Field(&UserSearchQuery::after_name_key, "strasse b"),
                           Field(&UserSearchQuery::after_id, 9u))))
      .WillOnce(Return(std::vector<FoundUser>{Found(2, "strasse c")}));
  // The same folded query in another spelling is the same query.
  absl::StatusOr<UserSearchPage> next =
      rules_->SearchUsers(9, "Straße", 2, page->next_page_token);
  ASSERT_TRUE(next.ok()) << next.status();
  EXPECT_EQ(next->users.size(), 1u);
  EXPECT_EQ(next->next_page_token, "");
}

TEST_F(UserProfileRulesTest, SearchRefusesATokenOfAnotherQueryOrKind) {
  EXPECT_CALL(*users_, SearchUsersByNameKey(_))
      .WillOnce(
          Return(std::vector<FoundUser>{Found(4, "ann"), Found(5, "anna")}));
  absl::StatusOr<UserSearchPage> page = rules_->SearchUsers(9, "ann", 1, "");
  ASSERT_TRUE(page.ok());
  absl::Status refused =
      rules_->SearchUsers(9, "an", 1, page->next_page_token).status();
  EXPECT_EQ(refused.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(refused.message(), HasSubstr("page_token"));
  EXPECT_CALL(*users_, SearchUsersByNameKey(_)).Times(0);
  EXPECT_EQ(rules_->SearchUsers(9, "ann", 1, "garbage").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(UserProfileRulesTest, BadSearchInputNeverReachesStorage) {
  EXPECT_CALL(*users_, SearchUsersByNameKey(_)).Times(0);
  struct Case {
    std::string query;
    int page_size;
    const char* field;
  };
  for (const Case& bad : std::vector<Case>{
           {"", 10, "query"},
           {"   ", 10, "query"},
           {std::string(256, 'a'), 10, "query"},
           {"ann", -1, "page_size"},
           {"ann", 101, "page_size"},
       }) {
    absl::Status status =
        rules_->SearchUsers(9, bad.query, bad.page_size, "").status();
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(status.message(), HasSubstr(bad.field));
  }
}

TEST_F(UserProfileRulesTest, SearchPageSizeZeroMeansTwenty) {
  EXPECT_CALL(*users_, SearchUsersByNameKey(Field(&UserSearchQuery::limit, 21)))
      .WillOnce(Return(std::vector<FoundUser>{}));
  absl::StatusOr<UserSearchPage> page = rules_->SearchUsers(9, "a", 0, "");
  ASSERT_TRUE(page.ok());
  EXPECT_TRUE(page->users.empty());
  EXPECT_EQ(page->next_page_token, "");
  EXPECT_CALL(*users_,
              SearchUsersByNameKey(Field(&UserSearchQuery::limit, 101)))
      .WillOnce(Return(std::vector<FoundUser>{}));
  EXPECT_TRUE(rules_->SearchUsers(9, "a", 100, "").ok());
}

TEST_F(UserProfileRulesTest, BothCallsTakeAPlaceOfTheAccount) {
  RateLimitOptions limits;
  limits.max_calls_in_flight_per_account = 1;
  auto users = std::make_shared<NiceMock<storage::MockUserStore>>();
  MiniterRules::Dependencies deps;
  deps.users = users;
  deps.tweets = std::make_shared<NiceMock<storage::MockTweetStore>>();
  deps.follows = std::make_shared<NiceMock<storage::MockFollowStore>>();
  deps.rate_limits = limits;
  MiniterRules rules(std::move(deps));
  // While one call of account 9 is in storage, its next call is refused;
  // another account's is not.
  absl::Status inner_get;
  absl::Status inner_search;
  absl::Status other_account;
  EXPECT_CALL(*users, GetUserProfile(3)).WillOnce([&](storage::UserId) {
    inner_get = rules.GetUser(9, 4).status();
    inner_search = rules.SearchUsers(9, "a", 1, "").status();
    other_account = rules.SearchUsers(10, "a", 1, "").status();
    return Profile(3);
  });
  EXPECT_CALL(*users, SearchUsersByNameKey(_))
      .WillOnce(Return(std::vector<FoundUser>{}));
  ASSERT_TRUE(rules.GetUser(9, 3).ok());
  EXPECT_EQ(inner_get.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(inner_search.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_TRUE(other_account.ok()) << other_account;
}

}  // namespace
}  // namespace miniter::rules
