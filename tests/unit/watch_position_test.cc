// watch_position_test.cc: the floor passes only sent ids seen at least the
// settle window ago, so a tweet that commits late (a lower id after a
// higher one) is still sent; the sent ids stay bounded; cursors round-trip.
#include "server/watch/watch_position.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace miniter::watch {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

const absl::Time kStart = absl::FromUnixSeconds(1700000000);
constexpr absl::Duration kSettle = absl::Seconds(60);

TEST(WatchPositionTest, LateCommitBelowASentIdIsStillUnsent) {
  WatchPosition position(7, 100);
  position.MarkSent(105, kStart);
  position.Settle(kStart, kSettle);
  // 103 was inserted before 105 but committed after it was sent.
  EXPECT_EQ(position.floor(), 100u);
  EXPECT_FALSE(position.Sent(103));
  EXPECT_TRUE(position.Sent(105));
  EXPECT_TRUE(position.Sent(100));
}

TEST(WatchPositionTest, FloorRisesOnlyPastSettledIds) {
  WatchPosition position(7, 100);
  position.MarkSent(105, kStart);
  position.MarkSent(110, kStart + absl::Seconds(30));
  position.Settle(kStart + absl::Seconds(59), kSettle);
  EXPECT_EQ(position.floor(), 100u);
  position.Settle(kStart + absl::Seconds(60), kSettle);
  EXPECT_EQ(position.floor(), 105u);
  EXPECT_THAT(position.ToCursor().sent_above_floor, ElementsAre(110));
  position.Settle(kStart + absl::Seconds(90), kSettle);
  EXPECT_EQ(position.floor(), 110u);
  EXPECT_THAT(position.ToCursor().sent_above_floor, IsEmpty());
}

TEST(WatchPositionTest, ResumedIdsCountAsSeenAtResume) {
  WatchPosition position(WatchCursor{7, 100, {105, 110}}, kStart);
  EXPECT_TRUE(position.Sent(105));
  EXPECT_FALSE(position.Sent(107));
  position.Settle(kStart + absl::Seconds(59), kSettle);
  EXPECT_EQ(position.floor(), 100u);
  position.Settle(kStart + kSettle, kSettle);
  EXPECT_EQ(position.floor(), 110u);
}

TEST(WatchPositionTest, SkipBelowGivesUpOlderUnsentIds) {
  WatchPosition position(7, 100);
  position.MarkSent(950, kStart);
  position.SkipBelow(900);
  EXPECT_EQ(position.floor(), 899u);
  EXPECT_TRUE(position.Sent(500));
  EXPECT_FALSE(position.Sent(900));
  EXPECT_TRUE(position.Sent(950));
  position.SkipBelow(50);  // never lowers the floor
  EXPECT_EQ(position.floor(), 899u);
}

TEST(WatchPositionTest, SentIdsStayBounded) {
  WatchPosition position(7, 0);
  for (storage::TweetId id = 1; id <= WatchCursorCodec::kMaxSentAboveFloor + 10;
       ++id) {
    position.MarkSent(id, kStart);
  }
  const WatchCursor cursor = position.ToCursor();
  EXPECT_EQ(cursor.sent_above_floor.size(),
            WatchCursorCodec::kMaxSentAboveFloor);
  EXPECT_EQ(cursor.floor, 10u);
  EXPECT_EQ(cursor.sent_above_floor.front(), 11u);
}

}  // namespace
}  // namespace miniter::watch
