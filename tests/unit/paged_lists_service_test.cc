// paged_lists_service_test.cc: the gRPC adapter of ListFollowing,
// ListFollowers and UserTweets over mocked stores: the caller comes from
// the token, the fields from the request, and the reply carries the
// records (an e-mail only when it is the caller's), the next page token
// and the rules' status codes.
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/unit/adapter_test_fixture.h"

namespace miniter::api {
namespace {

using storage::FollowListEntry;
using storage::FollowListQuery;
using storage::TweetRecord;
using storage::UserRecord;
using storage::UserTweetsQuery;
using ::testing::_;
using ::testing::AllOf;
using ::testing::Field;
using ::testing::Return;

const absl::Time kCreated =
    absl::FromUnixSeconds(1'800'000'000) + absl::Microseconds(5);

class PagedListsServiceTest : public AdapterTest {
 protected:
  void SetUp() override { StartServer(); }

  void SignIn(grpc::ClientContext& context, storage::UserId user) {
    context.AddMetadata("authorization",
                        "Bearer " + tokens_->Issue(user, absl::Now())->token);
  }
};

TEST_F(PagedListsServiceTest, ListFollowersConvertsUsersAndHidesOthersEmail) {
  EXPECT_CALL(*follows_,
              ListFollowers(AllOf(Field(&FollowListQuery::user_id, 7u),
                                  Field(&FollowListQuery::limit, 2))))
      .WillOnce(Return(std::vector<FollowListEntry>{
          {UserRecord{42, "Ann", "ann@example.com", "hi", kCreated}, kCreated},
          {UserRecord{9, "민수", "minsu@example.com", "", kCreated},
           kCreated}}));
  grpc::ClientContext context;
  SignIn(context, 42);
  miniter::v1::ListFollowersRequest request;
  request.set_user_id(7);
  request.set_page_size(1);
  miniter::v1::ListFollowersResponse response;
  grpc::Status status = stub_->ListFollowers(&context, request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(response.users_size(), 1);
  EXPECT_EQ(response.users(0).id(), 42u);
  EXPECT_EQ(response.users(0).name(), "Ann");
  EXPECT_EQ(response.users(0).email(), "ann@example.com");  // the caller's
  EXPECT_EQ(response.users(0).profile(), "hi");
  EXPECT_EQ(response.users(0).created_at().seconds(), 1'800'000'000);
  EXPECT_EQ(response.users(0).created_at().nanos(), 5000);
  EXPECT_FALSE(response.next_page_token().empty());
}

TEST_F(PagedListsServiceTest, ListFollowingOfUserZeroIsTheCallersOwn) {
  EXPECT_CALL(*follows_, ListFollowing(Field(&FollowListQuery::user_id, 42u)))
      .WillOnce(Return(std::vector<FollowListEntry>{
          {UserRecord{9, "Bob", "bob@example.com", "", kCreated}, kCreated}}));
  grpc::ClientContext context;
  SignIn(context, 42);
  miniter::v1::ListFollowingResponse response;
  grpc::Status status = stub_->ListFollowing(&context, {}, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(response.users_size(), 1);
  EXPECT_EQ(response.users(0).name(), "Bob");
  EXPECT_EQ(response.users(0).email(), "");
  EXPECT_TRUE(response.next_page_token().empty());
}

TEST_F(PagedListsServiceTest, UserTweetsConvertsTweets) {
  EXPECT_CALL(*tweets_,
              ReadUserTweetsPage(AllOf(Field(&UserTweetsQuery::user_id, 7u),
                                       Field(&UserTweetsQuery::limit, 21))))
      .WillOnce(
          Return(std::vector<TweetRecord>{{12, 7, "Bob", "안녕 👋", kCreated}}));
  grpc::ClientContext context;
  SignIn(context, 42);
  miniter::v1::UserTweetsRequest request;
  request.set_user_id(7);
  miniter::v1::UserTweetsResponse response;
  grpc::Status status = stub_->UserTweets(&context, request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(response.tweets_size(), 1);
  EXPECT_EQ(response.tweets(0).id(), 12u);
  EXPECT_EQ(response.tweets(0).author_id(), 7u);
  EXPECT_EQ(response.tweets(0).author_name(), "Bob");
  EXPECT_EQ(response.tweets(0).text(), "안녕 👋");
  EXPECT_TRUE(response.next_page_token().empty());
}

TEST_F(PagedListsServiceTest, ErrorsKeepTheirCodes) {
  EXPECT_CALL(*follows_, ListFollowing(_)).Times(0);
  {
    grpc::ClientContext context;  // no token
    miniter::v1::ListFollowingResponse response;
    EXPECT_EQ(stub_->ListFollowing(&context, {}, &response).error_code(),
              grpc::StatusCode::UNAUTHENTICATED);
  }
  {
    grpc::ClientContext context;
    SignIn(context, 42);
    miniter::v1::ListFollowingRequest request;
    request.set_page_size(101);
    miniter::v1::ListFollowingResponse response;
    EXPECT_EQ(stub_->ListFollowing(&context, request, &response).error_code(),
              grpc::StatusCode::INVALID_ARGUMENT);
  }
  EXPECT_CALL(*tweets_, ReadUserTweetsPage(_))
      .WillOnce(Return(absl::NotFoundError("no such user")));
  {
    grpc::ClientContext context;
    SignIn(context, 42);
    miniter::v1::UserTweetsRequest request;
    request.set_user_id(77);
    miniter::v1::UserTweetsResponse response;
    grpc::Status status = stub_->UserTweets(&context, request, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
    EXPECT_THAT(status.error_message(), ::testing::HasSubstr("77"));
  }
}

}  // namespace
}  // namespace miniter::api
