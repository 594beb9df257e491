// replica_staleness_test.cc: the GTID arithmetic behind replica routing
// (server/storage/mysql/replica_tweet_store.h): parsing positions, "has the
// replica applied this", and the fresh-as-of time it yields. No database.
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/storage/mysql/replica_tweet_store.h"

namespace miniter::storage::mysql {
namespace {

GtidPosition Parse(absl::string_view text) {
  GtidPosition position;
  EXPECT_TRUE(ParseGtidPosition(text, &position)) << text;
  return position;
}

TEST(GtidPositionTest, ParsesDomainsAndKeepsTheHighestSequencePerDomain) {
  EXPECT_EQ(Parse(""), GtidPosition());
  EXPECT_EQ(Parse("0-1-26"), (GtidPosition{{0, 26}}));
  EXPECT_EQ(Parse("0-1-26,1-2-5"), (GtidPosition{{0, 26}, {1, 5}}));
  // After a failover the promoted server writes the same domain.
  EXPECT_EQ(Parse("0-1-26, 0-2-30"), (GtidPosition{{0, 30}}));
}

TEST(GtidPositionTest, RejectsWhatIsNotAPosition) {
  GtidPosition position;
  EXPECT_FALSE(ParseGtidPosition("0-1", &position));
  EXPECT_FALSE(ParseGtidPosition("a-b-c", &position));
  EXPECT_FALSE(ParseGtidPosition("0-1-2-3", &position));
  EXPECT_FALSE(ParseGtidPosition("0-1--2", &position));
}

TEST(GtidPositionTest, CoversOnlyWhenEveryDomainHasReachedTheTarget) {
  EXPECT_TRUE(GtidCovers(Parse("0-1-26"), Parse("0-1-26")));
  EXPECT_TRUE(GtidCovers(Parse("0-1-27"), Parse("0-1-26")));
  EXPECT_FALSE(GtidCovers(Parse("0-1-25"), Parse("0-1-26")));
  EXPECT_FALSE(GtidCovers(Parse("0-1-30"), Parse("0-1-26,1-3-1")));
  EXPECT_TRUE(GtidCovers(Parse("0-1-30,1-3-1"), Parse("0-1-26,1-3-1")));
  EXPECT_TRUE(GtidCovers(Parse("0-1-1"), Parse("")));
}

TEST(StalenessTrackerTest, FreshAsOfIsTheNewestPrimarySampleTheReplicaCovers) {
  const absl::Time t0 = absl::FromUnixSeconds(1000);
  StalenessTracker tracker;
  EXPECT_EQ(tracker.fresh_as_of(), absl::InfinitePast());
  tracker.AddPrimarySample(t0, Parse("0-1-10"));
  tracker.AddPrimarySample(t0 + absl::Seconds(1), Parse("0-1-20"));
  tracker.AddPrimarySample(t0 + absl::Seconds(2), Parse("0-1-30"));
  tracker.ReplicaApplied(Parse("0-1-5"));
  EXPECT_EQ(tracker.fresh_as_of(), absl::InfinitePast());
  tracker.ReplicaApplied(Parse("0-1-25"));
  EXPECT_EQ(tracker.fresh_as_of(), t0 + absl::Seconds(1));
  // It never moves back, even if asked with an older position.
  tracker.ReplicaApplied(Parse("0-1-12"));
  EXPECT_EQ(tracker.fresh_as_of(), t0 + absl::Seconds(1));
  tracker.ReplicaApplied(Parse("0-1-30"));
  EXPECT_EQ(tracker.fresh_as_of(), t0 + absl::Seconds(2));
  // An unreachable replica is not fresh as of anything.
  tracker.ReplicaUnknown();
  EXPECT_EQ(tracker.fresh_as_of(), absl::InfinitePast());
  tracker.AddPrimarySample(t0 + absl::Seconds(3), Parse("0-1-31"));
  tracker.ReplicaApplied(Parse("0-1-31"));
  EXPECT_EQ(tracker.fresh_as_of(), t0 + absl::Seconds(3));
}

TEST(StalenessTrackerTest, KeepsABoundedNumberOfSamples) {
  const absl::Time t0 = absl::FromUnixSeconds(1000);
  StalenessTracker tracker(/*max_samples=*/3);
  for (int i = 1; i <= 10; ++i) {
    tracker.AddPrimarySample(t0 + absl::Seconds(i),
                             GtidPosition{{0, static_cast<uint64_t>(i)}});
  }
  // Samples 1..7 are gone: a replica at 5 matches none of 8, 9, 10.
  tracker.ReplicaApplied(Parse("0-1-5"));
  EXPECT_EQ(tracker.fresh_as_of(), absl::InfinitePast());
  tracker.ReplicaApplied(Parse("0-1-9"));
  EXPECT_EQ(tracker.fresh_as_of(), t0 + absl::Seconds(9));
}

}  // namespace
}  // namespace miniter::storage::mysql
