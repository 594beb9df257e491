// timeline_watch_test.cc: TimelineWatch on an in-memory timeline: a new
// stream starts with a heartbeat and then gets new tweets; a resumed one
// replays what it missed oldest first (a gap event beyond the limit, paced
// by the reader's room); a tweet that commits behind a newer one is still
// sent, once; the stream limits; heartbeats; shutdown ends every stream;
// a tweet wakes only the streams of its author's followers (and of the
// author), every stream until its followees are read, and a follow or a
// loss of messages widens the index; an announced tweet not readable yet
// is read for again soon; a read for announced tweets reads only down to
// them.
#include "server/watch/timeline_watch.h"

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace miniter::watch {
namespace {

using storage::TweetId;
using storage::TweetRecord;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;

// One owner's home timeline, which the test fills (in any id order, as
// commits may come).
class FakeTimeline : public storage::TweetStore {
 public:
  void Add(TweetId id, storage::UserId author = 2) {
    absl::MutexLock lock(&mu_);
    TweetRecord tweet;
    tweet.id = id;
    tweet.author_id = author;
    tweet.text = absl::StrCat("tweet ", id);
    tweet.created_at = absl::Now();
    tweets_.push_back(tweet);
  }
  absl::StatusOr<TweetRecord> CreateTweet(storage::UserId, std::string_view,
                                          std::string_view) override {
    return absl::UnimplementedError("not in this test");
  }
  // Tweets returned by ReadTimelinePage so far.
  int tweets_read() {
    absl::MutexLock lock(&mu_);
    return tweets_read_;
  }
  absl::StatusOr<std::vector<TweetRecord>> ReadTimelinePage(
      const storage::TimelinePageQuery& query) override {
    absl::MutexLock lock(&mu_);
    std::vector<TweetRecord> sorted = tweets_;
    std::sort(sorted.begin(), sorted.end(),
              [](const auto& a, const auto& b) { return a.id > b.id; });
    std::vector<TweetRecord> page;
    for (const TweetRecord& tweet : sorted) {
      if (query.before_tweet_id != 0 && tweet.id >= query.before_tweet_id) {
        continue;
      }
      if (static_cast<int>(page.size()) >= query.limit) break;
      page.push_back(tweet);
    }
    tweets_read_ += static_cast<int>(page.size());
    return page;
  }
  absl::StatusOr<std::vector<TweetRecord>> ReadUserTweetsPage(
      const storage::UserTweetsQuery&) override {
    return absl::UnimplementedError("not in this test");
  }

 private:
  absl::Mutex mu_;
  std::vector<TweetRecord> tweets_ ABSL_GUARDED_BY(mu_);
  int tweets_read_ ABSL_GUARDED_BY(mu_) = 0;
};

// Whom each account follows; counts the reads.
class FakeFollows : public storage::FollowStore {
 public:
  void Set(storage::UserId follower, std::vector<storage::UserId> followees) {
    absl::MutexLock lock(&mu_);
    following_[follower] = std::move(followees);
  }
  void Fail(bool fail) {
    absl::MutexLock lock(&mu_);
    fail_ = fail;
  }
  int reads() {
    absl::MutexLock lock(&mu_);
    return reads_;
  }
  absl::Status Follow(storage::UserId, storage::UserId) override {
    return absl::UnimplementedError("not in this test");
  }
  absl::Status Unfollow(storage::UserId, storage::UserId) override {
    return absl::UnimplementedError("not in this test");
  }
  // One page: the test's lists are shorter than the watch's page.
  absl::StatusOr<std::vector<storage::FollowListEntry>> ListFollowing(
      const storage::FollowListQuery& query) override {
    absl::MutexLock lock(&mu_);
    ++reads_;
    if (fail_) return absl::UnavailableError("database down");
    std::vector<storage::FollowListEntry> page;
    for (storage::UserId followee : following_[query.user_id]) {
      storage::FollowListEntry entry;
      entry.user.id = followee;
      page.push_back(entry);
    }
    return page;
  }
  absl::StatusOr<std::vector<storage::FollowListEntry>> ListFollowers(
      const storage::FollowListQuery&) override {
    return absl::UnimplementedError("not in this test");
  }

 private:
  absl::Mutex mu_;
  absl::flat_hash_map<storage::UserId, std::vector<storage::UserId>> following_
      ABSL_GUARDED_BY(mu_);
  bool fail_ ABSL_GUARDED_BY(mu_) = false;
  int reads_ ABSL_GUARDED_BY(mu_) = 0;
};

// Records what a stream sends; `room` is how much its buffer takes.
class RecordingSink : public WatchSink {
 public:
  explicit RecordingSink(std::size_t room = 1000) : room_(room) {}
  std::size_t Room() override {
    absl::MutexLock lock(&mu_);
    return room_;
  }
  void Deliver(std::vector<WatchEvent> events) override {
    absl::MutexLock lock(&mu_);
    for (WatchEvent& event : events) {
      room_ = room_ > 0 ? room_ - 1 : 0;
      events_.push_back(std::move(event));
    }
    changed_.SignalAll();
  }
  void End(absl::Status status) override {
    absl::MutexLock lock(&mu_);
    ended_ = std::move(status);
    changed_.SignalAll();
  }
  void SetRoom(std::size_t room) {
    absl::MutexLock lock(&mu_);
    room_ = room;
  }
  // Waits until `n` events arrived (or 5 s) and returns them all.
  std::vector<WatchEvent> WaitFor(std::size_t n) {
    absl::MutexLock lock(&mu_);
    const absl::Time deadline = absl::Now() + absl::Seconds(5);
    while (events_.size() < n && !changed_.WaitWithDeadline(&mu_, deadline)) {
    }
    return events_;
  }
  absl::Status WaitForEnd() {
    absl::MutexLock lock(&mu_);
    const absl::Time deadline = absl::Now() + absl::Seconds(5);
    while (!ended_.has_value() && !changed_.WaitWithDeadline(&mu_, deadline)) {
    }
    return ended_.value_or(absl::OkStatus());
  }

 private:
  absl::Mutex mu_;
  std::size_t room_ ABSL_GUARDED_BY(mu_);
  std::vector<WatchEvent> events_ ABSL_GUARDED_BY(mu_);
  std::optional<absl::Status> ended_ ABSL_GUARDED_BY(mu_);
  absl::CondVar changed_;
};

std::vector<TweetId> TweetIds(const std::vector<WatchEvent>& events) {
  std::vector<TweetId> ids;
  for (const WatchEvent& event : events) {
    if (event.kind == WatchEvent::Kind::kTweet) ids.push_back(event.tweet.id);
  }
  return ids;
}

class TimelineWatchTest : public ::testing::Test {
 protected:
  TimelineWatchTest() {
    options_.heartbeat = absl::Seconds(30);
    follows_->Set(kOwner, {2, 3});
  }

  std::unique_ptr<TimelineWatch> Watch() {
    return std::make_unique<TimelineWatch>(timeline_, follows_, codec_,
                                           options_);
  }
  struct Open {
    std::shared_ptr<RecordingSink> sink;
    std::shared_ptr<TimelineWatch::Stream> stream;
  };
  Open OpenStream(TimelineWatch& watch, const std::string& cursor = "",
                  std::size_t room = 1000) {
    Open open;
    open.sink = std::make_shared<RecordingSink>(room);
    absl::StatusOr<std::shared_ptr<TimelineWatch::Stream>> stream =
        watch.Open(kOwner, cursor, open.sink);
    EXPECT_TRUE(stream.ok()) << stream.status();
    if (stream.ok()) open.stream = *stream;
    return open;
  }
  void Tweeted(TimelineWatch& watch, storage::UserId author = 2) {
    watch.OnEvent(
        {storage::TimelineEvent::Kind::kTweet, author, 0, 0, absl::Now()});
  }
  // Waits until the stream has no read queued or running (or 5 s): the
  // reads counted then are all the ones a wake caused.
  static std::uint64_t SettledReads(TimelineWatch& watch) {
    std::uint64_t reads = watch.Stats().reads;
    for (int i = 0; i < 500; ++i) {
      absl::SleepFor(absl::Milliseconds(10));
      const std::uint64_t now = watch.Stats().reads;
      if (now == reads && i >= 5) return now;
      reads = now;
    }
    return reads;
  }

  static constexpr storage::UserId kOwner = 1;
  std::shared_ptr<FakeTimeline> timeline_ = std::make_shared<FakeTimeline>();
  std::shared_ptr<FakeFollows> follows_ = std::make_shared<FakeFollows>();
  WatchCursorCodec codec_ = WatchCursorCodec::WithRandomKey();
  WatchOptions options_;
};

TEST_F(TimelineWatchTest, NewStreamStartsWithAHeartbeatThenSendsNewTweets) {
  timeline_->Add(10);
  auto watch = Watch();
  Open open = OpenStream(*watch);
  std::vector<WatchEvent> events = open.sink->WaitFor(1);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, WatchEvent::Kind::kHeartbeat);
  EXPECT_FALSE(events[0].cursor.empty());
  timeline_->Add(11);
  Tweeted(*watch);
  EXPECT_THAT(TweetIds(open.sink->WaitFor(2)), ElementsAre(11));
  // Woken again with nothing new: nothing is sent twice.
  Tweeted(*watch);
  timeline_->Add(12);
  Tweeted(*watch);
  EXPECT_THAT(TweetIds(open.sink->WaitFor(3)), ElementsAre(11, 12));
  watch->Close(open.stream);
}

TEST_F(TimelineWatchTest, LateCommitIsSentOnceAndResumeMissesNothing) {
  auto watch = Watch();
  Open open = OpenStream(*watch);
  open.sink->WaitFor(1);
  timeline_->Add(105);  // 103 was inserted first but commits later
  Tweeted(*watch);
  std::vector<WatchEvent> events = open.sink->WaitFor(2);
  ASSERT_EQ(events.size(), 2u);
  const std::string after_105 = events[1].cursor;
  timeline_->Add(103);
  Tweeted(*watch);
  EXPECT_THAT(TweetIds(open.sink->WaitFor(3)), ElementsAre(105, 103));
  watch->Close(open.stream);

  // Resuming from the cursor of 105 sends 103 (missed) and 107 (new), and
  // not 105 again.
  timeline_->Add(107);
  Open resumed = OpenStream(*watch, after_105);
  EXPECT_THAT(TweetIds(resumed.sink->WaitFor(2)), ElementsAre(103, 107));
  watch->Close(resumed.stream);
}

TEST_F(TimelineWatchTest, ReplaySendsNewestLimitAfterAGapPacedByTheReader) {
  options_.replay_limit = 5;
  auto watch = Watch();
  Open open = OpenStream(*watch);
  const std::string start = open.sink->WaitFor(1)[0].cursor;
  watch->Close(open.stream);
  for (TweetId id = 1; id <= 8; ++id) timeline_->Add(id);

  Open resumed = OpenStream(*watch, start, /*room=*/3);
  std::vector<WatchEvent> events = resumed.sink->WaitFor(3);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].kind, WatchEvent::Kind::kGap);
  EXPECT_EQ(events[0].oldest_replayed_tweet_id, 4u);
  EXPECT_THAT(TweetIds(events), ElementsAre(4, 5));
  resumed.sink->SetRoom(10);
  watch->Wake(resumed.stream);
  EXPECT_THAT(TweetIds(resumed.sink->WaitFor(6)), ElementsAre(4, 5, 6, 7, 8));
  watch->Close(resumed.stream);
}

TEST_F(TimelineWatchTest, TweetsOlderThanANewFollowAreNotNews) {
  auto watch = Watch();
  Open open = OpenStream(*watch);
  open.sink->WaitFor(1);
  timeline_->Add(20, /*author=*/9);  // 9's old tweet, visible once followed
  watch->OnEvent({storage::TimelineEvent::Kind::kFollow, kOwner, 9, 0,
                  absl::Now() + absl::Seconds(1)});
  timeline_->Add(21, /*author=*/3);
  Tweeted(*watch);
  EXPECT_THAT(TweetIds(open.sink->WaitFor(2)), ElementsAre(21));
  watch->Close(open.stream);
}

TEST_F(TimelineWatchTest, ATweetWakesOnlyTheStreamsOfItsAuthorsFollowers) {
  follows_->Set(5, {9});
  auto watch = Watch();
  Open mine = OpenStream(*watch);
  auto other = std::make_shared<RecordingSink>();
  ASSERT_TRUE(watch->Open(5, "", other).ok());
  mine.sink->WaitFor(1);
  other->WaitFor(1);
  const std::uint64_t before = SettledReads(*watch);
  EXPECT_EQ(watch->Stats().unindexed_streams, 0);
  EXPECT_EQ(follows_->reads(), 2);

  Tweeted(*watch, /*author=*/3);  // followed by kOwner only
  EXPECT_EQ(SettledReads(*watch), before + 1);
  Tweeted(*watch, /*author=*/kOwner);  // the owner's own
  EXPECT_EQ(SettledReads(*watch), before + 2);
  Tweeted(*watch, /*author=*/9);  // followed by 5 only
  EXPECT_EQ(SettledReads(*watch), before + 3);
  Tweeted(*watch, /*author=*/77);  // followed by neither
  EXPECT_EQ(SettledReads(*watch), before + 3);

  // A follow message indexes the new followee at once.
  timeline_->Add(30, /*author=*/77);
  watch->OnEvent({storage::TimelineEvent::Kind::kFollow, kOwner, 77, 0,
                  absl::Now() - absl::Seconds(1)});
  timeline_->Add(31, /*author=*/77);
  Tweeted(*watch, /*author=*/77);
  EXPECT_THAT(TweetIds(mine.sink->WaitFor(3)), ElementsAre(30, 31));
  watch->Close(mine.stream);
}

TEST_F(TimelineWatchTest, AnnouncedTweetNotReadableYetIsReadForAgainSoon) {
  // The announcement arrives before the tweet is in the owner's timeline
  // (a memory-tier entry filled late): the woken read finds nothing, and a
  // recheck finds it long before a heartbeat (30 s here) would.
  auto watch = Watch();
  Open open = OpenStream(*watch);
  open.sink->WaitFor(1);
  watch->OnEvent({storage::TimelineEvent::Kind::kTweet, 3, 0, 70, absl::Now()});
  SettledReads(*watch);
  timeline_->Add(70, /*author=*/3);
  const absl::Time added = absl::Now();
  EXPECT_THAT(TweetIds(open.sink->WaitFor(2)), ElementsAre(70));
  EXPECT_LT(absl::Now() - added, absl::Seconds(5));
  // Found: no more rechecks.
  const std::uint64_t reads = SettledReads(*watch);
  absl::SleepFor(absl::Milliseconds(500));
  EXPECT_EQ(watch->Stats().reads, reads);
  watch->Close(open.stream);
}

TEST_F(TimelineWatchTest, AnnouncedTweetIsReadWithoutReadingDownToTheFloor) {
  // 200 tweets sent within the settle window sit above the floor; a read
  // for one announced tweet reads the top of the timeline, not all 200.
  auto watch = Watch();
  Open open = OpenStream(*watch);
  open.sink->WaitFor(1);
  for (TweetId id = 1000; id < 1200; ++id) timeline_->Add(id, /*author=*/3);
  Tweeted(*watch, /*author=*/3);  // names no tweet: read to the floor
  ASSERT_EQ(TweetIds(open.sink->WaitFor(201)).size(), 200u);
  SettledReads(*watch);

  const int before = timeline_->tweets_read();
  timeline_->Add(1200, /*author=*/3);
  watch->OnEvent(
      {storage::TimelineEvent::Kind::kTweet, 3, 0, 1200, absl::Now()});
  EXPECT_EQ(TweetIds(open.sink->WaitFor(202)).back(), 1200u);
  SettledReads(*watch);
  EXPECT_LE(timeline_->tweets_read() - before, 8);

  // A tweet that commits behind newer ones is read down to, and sent once.
  timeline_->Add(990, /*author=*/2);
  watch->OnEvent(
      {storage::TimelineEvent::Kind::kTweet, 2, 0, 990, absl::Now()});
  std::vector<TweetId> ids = TweetIds(open.sink->WaitFor(203));
  ASSERT_EQ(ids.size(), 202u);
  EXPECT_EQ(ids.back(), 990u);
  EXPECT_EQ(std::count(ids.begin(), ids.end(), 990u), 1);
  watch->Close(open.stream);
}

TEST_F(TimelineWatchTest, UnannouncedTweetReachesABusyStreamWithinAHeartbeat) {
  // Announced tweets keep the stream busy (no heartbeat is due), and their
  // reads stop at them; a tweet whose message was lost, below them, still
  // comes with the read to the floor due every heartbeat period.
  options_.heartbeat = absl::Milliseconds(300);
  auto watch = Watch();
  Open open = OpenStream(*watch);
  open.sink->WaitFor(1);
  timeline_->Add(500, /*author=*/2);  // its message is lost
  std::vector<TweetId> ids;
  const absl::Time start = absl::Now();
  for (TweetId id = 600; id < 640; ++id) {
    timeline_->Add(id, /*author=*/3);
    watch->OnEvent(
        {storage::TimelineEvent::Kind::kTweet, 3, 0, id, absl::Now()});
    absl::SleepFor(absl::Milliseconds(50));
    ids = TweetIds(open.sink->WaitFor(0));
    if (std::count(ids.begin(), ids.end(), 500u) > 0) break;
  }
  EXPECT_EQ(std::count(ids.begin(), ids.end(), 500u), 1);
  EXPECT_LT(absl::Now() - start, absl::Seconds(1.5));
  watch->Close(open.stream);
}

TEST_F(TimelineWatchTest, UnindexedStreamsAreWokenByEveryTweet) {
  // Followees unreadable: the stream still gets every tweet.
  follows_->Fail(true);
  auto watch = Watch();
  Open open = OpenStream(*watch);
  open.sink->WaitFor(1);
  EXPECT_EQ(watch->Stats().unindexed_streams, 1);
  timeline_->Add(40, /*author=*/3);
  Tweeted(*watch, /*author=*/3);
  EXPECT_THAT(TweetIds(open.sink->WaitFor(2)), ElementsAre(40));

  // Read on a later wake once the store answers.
  follows_->Fail(false);
  Tweeted(*watch, /*author=*/3);
  SettledReads(*watch);
  EXPECT_EQ(watch->Stats().unindexed_streams, 0);

  // Messages lost: read the followees again (a follow may be among them).
  const int reads = follows_->reads();
  follows_->Set(kOwner, {2, 3, 8});
  watch->OnEventsMaybeLost();
  SettledReads(*watch);
  EXPECT_EQ(follows_->reads(), reads + 1);
  EXPECT_EQ(watch->Stats().unindexed_streams, 0);
  timeline_->Add(41, /*author=*/8);
  Tweeted(*watch, /*author=*/8);
  EXPECT_THAT(TweetIds(open.sink->WaitFor(3)), ElementsAre(40, 41));
  watch->Close(open.stream);
}

TEST_F(TimelineWatchTest, TooManyFolloweesAreNotIndexed) {
  options_.max_indexed_followees = 1;
  auto watch = Watch();
  Open open = OpenStream(*watch);
  open.sink->WaitFor(1);
  SettledReads(*watch);
  EXPECT_EQ(watch->Stats().unindexed_streams, 1);
  timeline_->Add(50, /*author=*/60);
  Tweeted(*watch, /*author=*/60);
  EXPECT_THAT(TweetIds(open.sink->WaitFor(2)), ElementsAre(50));
  EXPECT_EQ(follows_->reads(), 1);  // not read again on each wake
  watch->Close(open.stream);
  EXPECT_EQ(watch->Stats().unindexed_streams, 0);
  EXPECT_EQ(watch->Stats().open_streams, 0);
}

TEST_F(TimelineWatchTest, LimitsStreamsPerAccountAndInAll) {
  options_.max_streams_per_account = 2;
  options_.max_streams = 3;
  auto watch = Watch();
  Open a = OpenStream(*watch);
  Open b = OpenStream(*watch);
  auto sink = std::make_shared<RecordingSink>();
  EXPECT_TRUE(
      absl::IsResourceExhausted(watch->Open(kOwner, "", sink).status()));
  ASSERT_TRUE(watch->Open(5, "", sink).ok());
  EXPECT_TRUE(absl::IsResourceExhausted(watch->Open(6, "", sink).status()));
  watch->Close(a.stream);
  EXPECT_TRUE(watch->Open(kOwner, "", sink).ok());
}

TEST_F(TimelineWatchTest, BadCursorIsInvalidArgument) {
  auto watch = Watch();
  auto sink = std::make_shared<RecordingSink>();
  EXPECT_TRUE(
      absl::IsInvalidArgument(watch->Open(kOwner, "bogus", sink).status()));
  EXPECT_EQ(watch->Stats().open_streams, 0);
}

TEST_F(TimelineWatchTest, HeartbeatsWhileIdle) {
  options_.heartbeat = absl::Milliseconds(100);
  auto watch = Watch();
  Open open = OpenStream(*watch);
  std::vector<WatchEvent> events = open.sink->WaitFor(3);
  ASSERT_GE(events.size(), 3u);
  for (const WatchEvent& event : events) {
    EXPECT_EQ(event.kind, WatchEvent::Kind::kHeartbeat);
  }
  watch->Close(open.stream);
}

TEST_F(TimelineWatchTest, ShutdownEndsStreamsUnavailableAndRefusesNew) {
  auto watch = Watch();
  Open open = OpenStream(*watch);
  open.sink->WaitFor(1);
  watch->Shutdown();
  EXPECT_TRUE(absl::IsUnavailable(open.sink->WaitForEnd()));
  auto sink = std::make_shared<RecordingSink>();
  EXPECT_TRUE(absl::IsUnavailable(watch->Open(kOwner, "", sink).status()));
}

}  // namespace
}  // namespace miniter::watch
