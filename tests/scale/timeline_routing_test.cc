// timeline_routing_test.cc: which store serves a Timeline when a replica is
// configured: other users' timelines may lag (the replica router), the
// caller's own never does (read-your-writes). Mocks only, no database.
#include <memory>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/rules/miniter_rules.h"
#include "server/storage/mocks/mock_stores.h"

namespace miniter::rules {
namespace {

using ::testing::_;
using ::testing::Field;
using ::testing::Return;
using ::testing::StrictMock;

class TimelineRoutingTest : public ::testing::Test {
 protected:
  TimelineRoutingTest() {
    MiniterRules::Dependencies dependencies;
    dependencies.users = std::make_shared<storage::MockUserStore>();
    dependencies.tweets = primary_;
    dependencies.lagging_timelines = lagging_;
    dependencies.follows = std::make_shared<storage::MockFollowStore>();
    rules_ = std::make_unique<MiniterRules>(std::move(dependencies));
  }

  static std::vector<storage::TweetRecord> OnePage() {
    storage::TweetRecord tweet;
    tweet.id = 7;
    tweet.author_id = 2;
    return {tweet};
  }

  std::shared_ptr<StrictMock<storage::MockTweetStore>> primary_ =
      std::make_shared<StrictMock<storage::MockTweetStore>>();
  std::shared_ptr<StrictMock<storage::MockTweetStore>> lagging_ =
      std::make_shared<StrictMock<storage::MockTweetStore>>();
  std::unique_ptr<MiniterRules> rules_;
};

TEST_F(TimelineRoutingTest, OwnTimelineAlwaysComesFromThePrimary) {
  EXPECT_CALL(*primary_,
              ReadTimelinePage(Field(&storage::TimelinePageQuery::user_id, 1u)))
      .Times(2)
      .WillRepeatedly(Return(OnePage()));
  EXPECT_TRUE(rules_->ReadTimeline(1, 0, 10, "").ok());  // 0 = you
  EXPECT_TRUE(rules_->ReadTimeline(1, 1, 10, "").ok());
}

TEST_F(TimelineRoutingTest, OtherUsersTimelinesMayLag) {
  EXPECT_CALL(*lagging_,
              ReadTimelinePage(Field(&storage::TimelinePageQuery::user_id, 2u)))
      .WillOnce(Return(OnePage()));
  absl::StatusOr<TimelinePage> page = rules_->ReadTimeline(1, 2, 10, "");
  ASSERT_TRUE(page.ok()) << page.status();
}

TEST_F(TimelineRoutingTest, WritesNeverGoToTheLaggingStore) {
  storage::TweetRecord stored;
  stored.id = 9;
  stored.author_id = 1;
  stored.text = "hi";
  EXPECT_CALL(*primary_, CreateTweet(1u, _, _)).WillOnce(Return(stored));
  EXPECT_TRUE(rules_->PostTweet(1, "hi").ok());
}

}  // namespace
}  // namespace miniter::rules
