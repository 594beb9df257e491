// timeline_integration_test.cc: the materialized home timelines against a
// real MariaDB (ctest label "integration", fixture miniter_db): follow
// backfill, unfollow, read-your-writes, authors merged at read across the
// threshold, paging across the completeness horizon, trimming, concurrent
// follows and tweets, and the bulk loader agreeing with the RPC path.
//
// Every test makes its own users (the database is shared with other
// suites) and lowers TimelineOptions so a handful of rows exercises each
// path. Expectations are computed from first principles (own tweets plus
// followees', newest first), never from the implementation.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include "absl/random/random.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "server/storage/mysql/database_url.h"
#include "server/storage/mysql/mysql_bulk_loading.h"
#include "server/storage/mysql/mysql_storage.h"
#include "server/storage/mysql/pooled_connection.h"
#include "tests/storage/migrated_database_test.h"

namespace miniter::storage {
namespace {

using ::testing::ElementsAreArray;

class TimelineTest : public MigratedDatabaseTest {
 protected:
  void SetUp() override {
    MigratedDatabaseTest::SetUp();
    if (IsSkipped()) return;
    Open(TimelineOptions());
  }

  // (Re)opens the stores with `timeline` tuning.
  void Open(const TimelineOptions& timeline) {
    options_.database_url = url();
    options_.pool_size = 8;
    options_.timeline = timeline;
    absl::StatusOr<MySqlStorage> storage = OpenMySqlStorage(options_);
    ASSERT_TRUE(storage.ok()) << storage.status();
    storage_ = *std::move(storage);
  }

  NewUser MakeNewUser(const std::string& name) {
    NewUser user;
    user.name = name;
    user.email =
        absl::StrCat("tl.", absl::ToUnixMicros(absl::Now()), ".",
                     absl::Uniform<std::uint64_t>(bitgen_), "@example.com");
    user.email_key = absl::AsciiStrToLower(user.email);
    user.password_hash = "$argon2id$v=19$m=65536,t=2,p=1$c2FsdA$aGFzaA";
    return user;
  }

  UserId MustCreateUser(const std::string& name = "user") {
    absl::StatusOr<UserRecord> user =
        storage_.users->CreateUser(MakeNewUser(name));
    EXPECT_TRUE(user.ok()) << user.status();
    return user.ok() ? user->id : 0;
  }

  TweetId MustTweet(UserId author, const std::string& text = "tweet") {
    absl::StatusOr<TweetRecord> tweet =
        storage_.tweets->CreateTweet(author, text);
    EXPECT_TRUE(tweet.ok()) << tweet.status();
    return tweet.ok() ? tweet->id : 0;
  }

  void MustFollow(UserId follower, UserId followee) {
    absl::Status status = storage_.follows->Follow(follower, followee);
    EXPECT_TRUE(status.ok()) << status;
  }
  void MustUnfollow(UserId follower, UserId followee) {
    absl::Status status = storage_.follows->Unfollow(follower, followee);
    EXPECT_TRUE(status.ok()) << status;
  }

  // Every tweet of `user`'s timeline, paging `page_size` at a time; checks
  // each page is newest first and within the limit.
  std::vector<TweetRecord> ReadAll(UserId user, int page_size) {
    std::vector<TweetRecord> all;
    TweetId before = 0;
    for (int pages = 0; pages < 10000; ++pages) {
      absl::StatusOr<std::vector<TweetRecord>> page =
          storage_.tweets->ReadTimelinePage({user, before, page_size, {}});
      EXPECT_TRUE(page.ok()) << page.status();
      if (!page.ok() || page->empty()) break;
      EXPECT_LE(page->size(), static_cast<std::size_t>(page_size));
      for (const TweetRecord& tweet : *page) {
        if (!all.empty()) {
          EXPECT_LT(tweet.id, all.back().id);
        }
        all.push_back(tweet);
      }
      before = page->back().id;
    }
    return all;
  }

  std::vector<TweetId> ReadAllIds(UserId user, int page_size) {
    std::vector<TweetId> ids;
    for (const TweetRecord& tweet : ReadAll(user, page_size)) {
      ids.push_back(tweet.id);
    }
    return ids;
  }

  // Runs one query with plain SQL beside the stores under test and returns
  // the first column of the first row (0 when there is none).
  std::uint64_t QueryNumber(const std::string& sql_text, UserId a,
                            UserId b = 0) {
    auto connection = OpenConnection();
    EXPECT_TRUE(connection.ok()) << connection.status();
    if (!connection.ok()) return 0;
    sql::PreparedStatement& select = (*connection)->Prepare(sql_text);
    select.setUInt64(1, a);
    if (sql_text.find('?') != sql_text.rfind('?')) select.setUInt64(2, b);
    std::unique_ptr<sql::ResultSet> rows(select.executeQuery());
    if (!rows->next() || rows->isNull(1)) return 0;
    return rows->getUInt64(1);
  }
  std::uint64_t HomeRows(UserId owner) {
    return QueryNumber("SELECT COUNT(*) FROM home_timeline WHERE owner_id = ?",
                       owner);
  }
  std::uint64_t HomeRowsBy(UserId owner, UserId author) {
    return QueryNumber(
        "SELECT COUNT(*) FROM home_timeline WHERE owner_id = ? AND author_id = "
        "?",
        owner, author);
  }
  std::uint64_t Horizon(UserId owner) {
    return QueryNumber(
        "SELECT horizon FROM home_timeline_horizons WHERE owner_id = ?", owner);
  }
  bool Merged(UserId author) {
    return QueryNumber(
               "SELECT merged_at_read FROM author_fanout WHERE user_id = ?",
               author) != 0;
  }
  std::uint64_t FollowerCount(UserId author) {
    return QueryNumber(
        "SELECT follower_count FROM author_fanout WHERE user_id = ?", author);
  }

  // Two servers' stores on one database: this fixture's, opened with
  // `staleness` for the merged-author cache, and `other`. A reader follows
  // a star merged at read; the star's first tweet is read once here (so it
  // is cached), then a second one is written through `other`, which this
  // store's cache has not seen. `expected` holds both ids.
  struct MergedStarWithRemoteTweet {
    UserId reader = 0;
    UserId star = 0;
    std::vector<TweetId> expected;
    std::shared_ptr<TweetStore> other_tweets;
  };
  MergedStarWithRemoteTweet SetUpMergedStarWithRemoteTweet(
      absl::Duration staleness, bool background_refresh = true) {
    TimelineOptions timeline;
    timeline.fanout_threshold = 2;
    timeline.merged_cache_staleness = staleness;
    timeline.merged_cache_background_refresh = background_refresh;
    timeline.now = [this] { return absl::Now() + Skew(); };
    Open(timeline);
    MergedStarWithRemoteTweet setup;
    absl::StatusOr<MySqlStorage> other = OpenMySqlStorage(options_);
    EXPECT_TRUE(other.ok()) << other.status();
    if (!other.ok()) return setup;
    setup.other_tweets = other->tweets;
    setup.reader = MustCreateUser();
    setup.star = MustCreateUser("star");
    MustFollow(MustCreateUser(), setup.star);
    MustFollow(setup.reader, setup.star);
    EXPECT_TRUE(Merged(setup.star));
    setup.expected = {MustTweet(setup.star)};
    EXPECT_THAT(ReadAllIds(setup.reader, 10),
                ElementsAreArray(NewestFirst(setup.expected)));
    absl::StatusOr<TweetRecord> remote =
        setup.other_tweets->CreateTweet(setup.star, "remote");
    EXPECT_TRUE(remote.ok()) << remote.status();
    if (remote.ok()) setup.expected.push_back(remote->id);
    return setup;
  }

  static std::vector<TweetId> NewestFirst(std::vector<TweetId> ids) {
    std::sort(ids.begin(), ids.end(), std::greater<TweetId>());
    return ids;
  }

  // The stores' clock runs this far ahead of the real one: Advance() ages
  // their caches without sleeping.
  absl::Duration Skew() const {
    return absl::Microseconds(skew_us_.load(std::memory_order_relaxed));
  }
  void Advance(absl::Duration by) {
    skew_us_.fetch_add(absl::ToInt64Microseconds(by),
                       std::memory_order_relaxed);
  }

  MySqlOptions options_;
  MySqlStorage storage_;
  absl::BitGen bitgen_;
  std::atomic<std::int64_t> skew_us_{0};
};

TEST_F(TimelineTest, ReadYourWrites) {
  UserId author = MustCreateUser();
  for (int i = 0; i < 5; ++i) MustFollow(MustCreateUser(), author);
  for (int i = 0; i < 3; ++i) {
    TweetId id = MustTweet(author, absl::StrCat("mine ", i));
    absl::StatusOr<std::vector<TweetRecord>> page =
        storage_.tweets->ReadTimelinePage({author, 0, 1, {}});
    ASSERT_TRUE(page.ok()) << page.status();
    ASSERT_EQ(page->size(), 1u);
    EXPECT_EQ((*page)[0].id, id);
    EXPECT_EQ((*page)[0].text, absl::StrCat("mine ", i));
  }
}

TEST_F(TimelineTest, FollowBackfillsRecentTweetsAndUnfollowRemovesThem) {
  UserId reader = MustCreateUser("reader");
  UserId author = MustCreateUser("author");
  std::vector<TweetId> by_author;
  for (int i = 0; i < 6; ++i) by_author.push_back(MustTweet(author));
  TweetId own = MustTweet(reader);

  MustFollow(reader, author);
  EXPECT_EQ(HomeRowsBy(reader, author), 6u);
  EXPECT_EQ(FollowerCount(author), 1u);
  std::vector<TweetId> expected = by_author;
  expected.push_back(own);
  EXPECT_THAT(ReadAllIds(reader, 4), ElementsAreArray(NewestFirst(expected)));

  // Following again changes nothing (no second count, no duplicate rows).
  MustFollow(reader, author);
  EXPECT_EQ(FollowerCount(author), 1u);
  EXPECT_EQ(HomeRowsBy(reader, author), 6u);

  // New tweets fan out to the follower.
  expected.push_back(MustTweet(author));
  EXPECT_EQ(HomeRowsBy(reader, author), 7u);
  EXPECT_THAT(ReadAllIds(reader, 3), ElementsAreArray(NewestFirst(expected)));

  MustUnfollow(reader, author);
  EXPECT_EQ(HomeRowsBy(reader, author), 0u);
  EXPECT_EQ(FollowerCount(author), 0u);
  EXPECT_THAT(ReadAllIds(reader, 3), ElementsAreArray({own}));
  MustUnfollow(reader, author);  // not following: still OK
  EXPECT_EQ(FollowerCount(author), 0u);
}

TEST_F(TimelineTest, BackfillDepthRaisesHorizonAndOlderPagesFallBack) {
  TimelineOptions timeline;
  timeline.follow_backfill_depth = 3;
  Open(timeline);
  UserId reader = MustCreateUser();
  UserId author = MustCreateUser();
  std::vector<TweetId> expected;
  for (int i = 0; i < 10; ++i) expected.push_back(MustTweet(author));
  expected.push_back(MustTweet(reader));
  MustFollow(reader, author);
  EXPECT_EQ(HomeRowsBy(reader, author), 3u);
  // The newest tweet not copied: below it, pages come from the fallback.
  EXPECT_EQ(Horizon(reader), expected[6]);
  for (int i = 0; i < 4; ++i) expected.push_back(MustTweet(author));
  for (int page_size : {1, 2, 3, 5, 50}) {
    EXPECT_THAT(ReadAllIds(reader, page_size),
                ElementsAreArray(NewestFirst(expected)))
        << "page size " << page_size;
  }
}

// Storage asks before the fallback query and only then: pages from home
// rows never ask; a page below the horizon asks, and a refusal ends the
// read with the refusal's status, as given.
TEST_F(TimelineTest, OnlyPagesBelowTheHorizonAskToReadTheExpensiveWay) {
  TimelineOptions timeline;
  timeline.follow_backfill_depth = 3;
  Open(timeline);
  UserId reader = MustCreateUser();
  UserId author = MustCreateUser();
  std::vector<TweetId> tweets;
  for (int i = 0; i < 10; ++i) tweets.push_back(MustTweet(author));
  MustFollow(reader, author);  // home rows: the newest 3
  int asked = 0;
  TimelinePageQuery query{reader, 0, 3, {}};
  query.admit_expensive_read = [&asked] {
    ++asked;
    return absl::ResourceExhaustedError("refused by the test");
  };
  absl::StatusOr<std::vector<TweetRecord>> newest =
      storage_.tweets->ReadTimelinePage(query);
  ASSERT_TRUE(newest.ok()) << newest.status();
  EXPECT_EQ(newest->size(), 3u);
  EXPECT_EQ(asked, 0);
  query.before_tweet_id = newest->back().id;
  absl::StatusOr<std::vector<TweetRecord>> deep =
      storage_.tweets->ReadTimelinePage(query);
  EXPECT_EQ(deep.status(), absl::ResourceExhaustedError("refused by the test"));
  EXPECT_EQ(asked, 1);
  query.admit_expensive_read = [&asked] {
    ++asked;
    return absl::OkStatus();
  };
  deep = storage_.tweets->ReadTimelinePage(query);
  ASSERT_TRUE(deep.ok()) << deep.status();
  ASSERT_EQ(deep->size(), 3u);
  EXPECT_EQ(deep->front().id, tweets[6]);
  EXPECT_EQ(asked, 2);
}

TEST_F(TimelineTest, MergedAtReadAuthorAppearsOnceAcrossTheThreshold) {
  TimelineOptions timeline;
  timeline.fanout_threshold = 3;
  Open(timeline);
  UserId star = MustCreateUser("star");
  std::vector<UserId> fans;
  for (int i = 0; i < 4; ++i) fans.push_back(MustCreateUser("fan"));
  std::vector<TweetId> star_tweets;

  MustFollow(fans[0], star);
  MustFollow(fans[1], star);
  star_tweets.push_back(MustTweet(star, "fanned out"));
  EXPECT_FALSE(Merged(star));
  EXPECT_EQ(HomeRowsBy(fans[0], star), 1u);

  MustFollow(fans[2], star);  // the third follower: merged from now on
  EXPECT_TRUE(Merged(star));
  EXPECT_EQ(HomeRowsBy(fans[2], star), 0u);  // no backfill once merged
  star_tweets.push_back(MustTweet(star, "merged"));
  EXPECT_EQ(HomeRowsBy(fans[1], star), 1u);  // not fanned out any more
  for (int i = 0; i < 3; ++i) {
    EXPECT_THAT(ReadAllIds(fans[i], 1),
                ElementsAreArray(NewestFirst(star_tweets)));
    EXPECT_THAT(ReadAllIds(fans[i], 10),
                ElementsAreArray(NewestFirst(star_tweets)));
  }

  // Back below the threshold: still merged (sticky), still exactly once.
  MustUnfollow(fans[0], star);
  MustUnfollow(fans[1], star);
  EXPECT_EQ(FollowerCount(star), 1u);
  EXPECT_TRUE(Merged(star));
  star_tweets.push_back(MustTweet(star, "after the drop"));
  EXPECT_THAT(ReadAllIds(fans[2], 2),
              ElementsAreArray(NewestFirst(star_tweets)));
  EXPECT_THAT(ReadAllIds(fans[0], 2), ::testing::IsEmpty());
  MustFollow(fans[0], star);
  MustFollow(fans[3], star);
  TweetId own = MustTweet(fans[3], "own");
  for (UserId fan : {fans[0], fans[2]}) {
    EXPECT_THAT(ReadAllIds(fan, 2), ElementsAreArray(NewestFirst(star_tweets)));
  }
  std::vector<TweetId> with_own = star_tweets;
  with_own.push_back(own);
  EXPECT_THAT(ReadAllIds(fans[3], 1), ElementsAreArray(NewestFirst(with_own)));
  // The star reads their own tweets from their home rows, once.
  EXPECT_THAT(ReadAllIds(star, 2), ElementsAreArray(NewestFirst(star_tweets)));
}

TEST_F(TimelineTest, TrimmingKeepsPagesComplete) {
  TimelineOptions timeline;
  timeline.retention = 5;
  timeline.trim_one_in = 1;  // trim on every write
  Open(timeline);
  UserId reader = MustCreateUser();
  UserId a = MustCreateUser();
  UserId b = MustCreateUser();
  MustFollow(reader, a);
  MustFollow(reader, b);
  std::vector<TweetId> expected;
  for (int i = 0; i < 15; ++i) {
    expected.push_back(MustTweet(a));
    expected.push_back(MustTweet(b));
    if (i % 5 == 0) expected.push_back(MustTweet(reader));
    EXPECT_LE(HomeRows(reader), 5u);
  }
  EXPECT_GT(Horizon(reader), 0u);
  for (int page_size : {1, 4, 7, 100}) {
    EXPECT_THAT(ReadAllIds(reader, page_size),
                ElementsAreArray(NewestFirst(expected)))
        << "page size " << page_size;
  }
}

TEST_F(TimelineTest, PagingAcrossTheHorizonWithMergedAuthorsHasNoGaps) {
  TimelineOptions timeline;
  timeline.retention = 6;
  timeline.follow_backfill_depth = 2;
  timeline.fanout_threshold = 2;
  timeline.trim_one_in = 1;
  Open(timeline);
  UserId reader = MustCreateUser();
  UserId other_fan = MustCreateUser();
  UserId star = MustCreateUser();
  UserId quiet = MustCreateUser();
  UserId chatty = MustCreateUser();
  UserId stranger = MustCreateUser();
  MustFollow(other_fan, star);
  std::vector<TweetId> expected;
  for (int i = 0; i < 8; ++i) expected.push_back(MustTweet(chatty));
  MustFollow(reader, chatty);  // backfills 2, horizon rises
  MustFollow(reader, star);    // star's second follower: merged
  MustFollow(reader, quiet);
  EXPECT_TRUE(Merged(star));
  for (int i = 0; i < 12; ++i) {
    expected.push_back(
        MustTweet(i % 3 == 0 ? star : (i % 3 == 1 ? chatty : quiet)));
    if (i % 4 == 0) expected.push_back(MustTweet(reader));
    MustTweet(stranger);
  }
  for (int page_size : {1, 2, 3, 5, 8, 13, 100}) {
    EXPECT_THAT(ReadAllIds(reader, page_size),
                ElementsAreArray(NewestFirst(expected)))
        << "page size " << page_size;
  }
}

TEST_F(TimelineTest, ConcurrentFollowsUnfollowsAndTweetsLoseNothing) {
  UserId author = MustCreateUser("author");
  std::vector<UserId> fans;
  for (int i = 0; i < 6; ++i) fans.push_back(MustCreateUser("fan"));
  std::vector<TweetId> tweets;
  std::thread writer([&] {
    for (int i = 0; i < 40; ++i) tweets.push_back(MustTweet(author));
  });
  std::vector<std::thread> followers;
  for (UserId fan : fans) {
    followers.emplace_back([&, fan] {
      for (int round = 0; round < 5; ++round) {
        EXPECT_TRUE(storage_.follows->Follow(fan, author).ok());
        EXPECT_TRUE(storage_.follows->Unfollow(fan, author).ok());
      }
      EXPECT_TRUE(storage_.follows->Follow(fan, author).ok());
    });
  }
  writer.join();
  for (std::thread& t : followers) t.join();
  EXPECT_EQ(FollowerCount(author), fans.size());
  for (UserId fan : fans) {
    EXPECT_EQ(HomeRowsBy(fan, author), tweets.size());
    EXPECT_THAT(ReadAllIds(fan, 7), ElementsAreArray(NewestFirst(tweets)));
  }
}

// The same generated data through the RPC-by-RPC path and through the bulk
// loader must give the same pages (compared by text, since ids differ),
// and both must match the definition of a timeline.
TEST_F(TimelineTest, BulkLoaderMatchesTheRpcPath) {
  TimelineOptions timeline;
  timeline.fanout_threshold = 6;
  timeline.retention = 12;
  timeline.follow_backfill_depth = 4;
  timeline.trim_one_in = 2;
  timeline.bulk_load_depth = 7;  // loaded owners start with a horizon
  Open(timeline);

  constexpr int kUsers = 24;
  constexpr int kTweets = 300;
  absl::BitGen bitgen(std::seed_seq{42});
  std::set<std::pair<int, int>> edges;  // indices into users
  for (int i = 0; i < kUsers; ++i) {
    for (int j = 0; j < kUsers; ++j) {
      // Users 0 and 1 are popular (merged at read); the rest sparse.
      const double p = j < 2 ? 0.6 : 0.15;
      if (i != j && absl::Bernoulli(bitgen, p)) edges.insert({i, j});
    }
  }
  std::vector<int> tweet_author;
  for (int k = 0; k < kTweets; ++k) {
    // Skewed: low-numbered users tweet more.
    tweet_author.push_back(static_cast<int>(
        std::min<double>(kUsers - 1, absl::Exponential<double>(bitgen, 0.15))));
  }
  const std::string run = absl::StrCat(absl::ToUnixMicros(absl::Now()));
  auto text_of = [&](int k) { return absl::StrCat("t", k, " ", run); };

  // RPC path: half the edges before the tweets (fan-out), half after
  // (backfill + horizons), with trimming on the way.
  std::vector<UserId> rpc_ids;
  for (int i = 0; i < kUsers; ++i) rpc_ids.push_back(MustCreateUser("rpc"));
  std::vector<std::pair<int, int>> edge_list(edges.begin(), edges.end());
  std::shuffle(edge_list.begin(), edge_list.end(), bitgen);
  const std::size_t half = edge_list.size() / 2;
  for (std::size_t e = 0; e < half; ++e) {
    MustFollow(rpc_ids[edge_list[e].first], rpc_ids[edge_list[e].second]);
  }
  for (int k = 0; k < kTweets; ++k)
    MustTweet(rpc_ids[tweet_author[k]], text_of(k));
  for (std::size_t e = half; e < edge_list.size(); ++e) {
    MustFollow(rpc_ids[edge_list[e].first], rpc_ids[edge_list[e].second]);
  }

  // Bulk path.
  absl::StatusOr<std::unique_ptr<BulkLoader>> loader =
      OpenMySqlBulkLoader(options_);
  ASSERT_TRUE(loader.ok()) << loader.status();
  std::vector<NewUser> new_users;
  for (int i = 0; i < kUsers; ++i) new_users.push_back(MakeNewUser("bulk"));
  absl::StatusOr<std::vector<UserId>> bulk_ids =
      (*loader)->InsertUsers(new_users);
  ASSERT_TRUE(bulk_ids.ok()) << bulk_ids.status();
  ASSERT_EQ(bulk_ids->size(), static_cast<std::size_t>(kUsers));
  std::vector<std::pair<UserId, UserId>> bulk_edges;
  for (const auto& [i, j] : edge_list) {
    bulk_edges.push_back({(*bulk_ids)[i], (*bulk_ids)[j]});
  }
  bulk_edges.push_back(bulk_edges.front());  // a duplicate is ignored
  ASSERT_TRUE((*loader)->InsertFollows(bulk_edges).ok());
  std::vector<BulkTweet> bulk_tweets;
  const absl::Time t0 = absl::Now() - absl::Hours(1);
  for (int k = 0; k < kTweets; ++k) {
    BulkTweet tweet;
    tweet.author_id = (*bulk_ids)[tweet_author[k]];
    tweet.text = text_of(k);
    tweet.created_at = t0 + absl::Seconds(k);
    bulk_tweets.push_back(std::move(tweet));
  }
  // In two calls, to cross a call boundary.
  std::vector<BulkTweet> first(bulk_tweets.begin(), bulk_tweets.begin() + 100);
  std::vector<BulkTweet> rest(bulk_tweets.begin() + 100, bulk_tweets.end());
  ASSERT_TRUE((*loader)->InsertTweets(first).ok());
  ASSERT_TRUE((*loader)->InsertTweets(rest).ok());
  ASSERT_TRUE((*loader)->FinishLoad().ok());
  EXPECT_TRUE(Merged((*bulk_ids)[0]));
  for (int i = 0; i < kUsers; ++i) {
    EXPECT_EQ(FollowerCount((*bulk_ids)[i]), FollowerCount(rpc_ids[i]));
    EXPECT_LE(HomeRows((*bulk_ids)[i]), 7u);
    // The public counts (GetUser), from first principles on both paths.
    std::uint64_t followers = 0;
    std::uint64_t following = 0;
    for (const auto& [from, to] : edges) {
      followers += to == i ? 1 : 0;
      following += from == i ? 1 : 0;
    }
    for (UserId id : {(*bulk_ids)[i], rpc_ids[i]}) {
      absl::StatusOr<UserProfile> profile = storage_.users->GetUserProfile(id);
      ASSERT_TRUE(profile.ok()) << profile.status();
      EXPECT_EQ(profile->follower_count, followers) << "user " << i;
      EXPECT_EQ(profile->following_count, following) << "user " << i;
    }
  }

  for (int i = 0; i < kUsers; ++i) {
    std::vector<std::string> want;
    for (int k = kTweets - 1; k >= 0; --k) {
      const int a = tweet_author[k];
      if (a == i || edges.count({i, a}) > 0) want.push_back(text_of(k));
    }
    for (int page_size : {5, 50}) {
      std::vector<std::string> rpc_texts;
      for (const TweetRecord& t : ReadAll(rpc_ids[i], page_size)) {
        rpc_texts.push_back(t.text);
      }
      std::vector<std::string> bulk_texts;
      for (const TweetRecord& t : ReadAll((*bulk_ids)[i], page_size)) {
        bulk_texts.push_back(t.text);
        EXPECT_EQ(t.author_name, "bulk");
      }
      EXPECT_THAT(rpc_texts, ElementsAreArray(want)) << "user " << i;
      EXPECT_THAT(bulk_texts, ElementsAreArray(want)) << "user " << i;
    }
  }
}

// ---- The merged-author cache (MergedAuthorCache) ---------------------------

// Several merged authors, some with more tweets than the cache keeps per
// author, plus fanned-out followees and a raised horizon: every page must
// be the same with the cache as without it, and as from first principles.
TEST_F(TimelineTest, MergedCacheGivesTheSamePagesAsTheSqlPath) {
  TimelineOptions timeline;
  timeline.retention = 6;
  timeline.follow_backfill_depth = 2;
  timeline.fanout_threshold = 2;
  timeline.trim_one_in = 1;
  timeline.merged_cache_ids_per_author =
      4;  // smaller than some authors' history
  timeline.merged_cache_staleness = absl::Hours(1);
  Open(timeline);
  UserId reader = MustCreateUser();
  UserId other_fan = MustCreateUser();
  std::vector<UserId> stars;
  for (int i = 0; i < 3; ++i) stars.push_back(MustCreateUser("star"));
  UserId silent_star = MustCreateUser("silent");
  UserId chatty = MustCreateUser();
  std::vector<TweetId> expected;
  for (int i = 0; i < 7; ++i) expected.push_back(MustTweet(chatty));
  MustFollow(reader, chatty);  // backfills 2, horizon rises
  for (UserId star : stars) {
    MustFollow(other_fan, star);
    MustFollow(reader, star);  // second follower: merged
    EXPECT_TRUE(Merged(star));
  }
  MustFollow(other_fan, silent_star);
  MustFollow(reader, silent_star);  // merged, never tweets
  for (int i = 0; i < 24; ++i) {
    // stars[0] writes 12, stars[1] 6, stars[2] 1.
    UserId author = i % 2 == 0   ? stars[0]
                    : i % 4 == 1 ? stars[1]
                                 : (i == 3 ? stars[2] : chatty);
    expected.push_back(MustTweet(author));
    if (i % 5 == 0) expected.push_back(MustTweet(reader));
  }
  const std::vector<int> page_sizes = {1, 2, 3, 5, 8, 13, 100};
  std::map<int, std::vector<TweetId>> cached;
  for (int round = 0; round < 2; ++round) {  // cold, then warm
    for (int page_size : page_sizes) {
      cached[page_size] = ReadAllIds(reader, page_size);
      EXPECT_THAT(cached[page_size], ElementsAreArray(NewestFirst(expected)))
          << "page size " << page_size << " round " << round;
    }
  }
  for (int ids_per_author : {0, 256}) {  // disabled; larger than any history
    timeline.merged_cache_ids_per_author = ids_per_author;
    Open(timeline);
    for (int page_size : page_sizes) {
      EXPECT_THAT(ReadAllIds(reader, page_size),
                  ElementsAreArray(cached[page_size]))
          << "page size " << page_size << " ids_per_author " << ids_per_author;
    }
  }
}

TEST_F(TimelineTest, MergedAuthorsTweetAppearsOnTheNextReadOnTheSameStore) {
  TimelineOptions timeline;
  timeline.fanout_threshold = 2;
  // Only the update after commit can show the tweet: entries never expire.
  timeline.merged_cache_staleness = absl::Hours(1);
  Open(timeline);
  UserId reader = MustCreateUser();
  UserId star = MustCreateUser("star");
  MustFollow(MustCreateUser(), star);
  MustFollow(reader, star);
  EXPECT_TRUE(Merged(star));
  std::vector<TweetId> expected = {MustTweet(star), MustTweet(star)};
  EXPECT_THAT(ReadAllIds(reader, 10), ElementsAreArray(NewestFirst(expected)));
  for (int i = 0; i < 3; ++i) {
    expected.push_back(MustTweet(star, absl::StrCat("new ", i)));
    EXPECT_THAT(ReadAllIds(reader, 10),
                ElementsAreArray(NewestFirst(expected)));
    EXPECT_THAT(ReadAllIds(reader, 1), ElementsAreArray(NewestFirst(expected)));
  }
}

TEST_F(TimelineTest, TweetThroughAnotherServerAppearsAfterTheStalenessBound) {
  MergedStarWithRemoteTweet setup =
      SetUpMergedStarWithRemoteTweet(absl::Milliseconds(300));
  ASSERT_NE(setup.other_tweets, nullptr);
  const UserId reader = setup.reader;
  std::vector<TweetId>& expected = setup.expected;
  Advance(absl::Milliseconds(400));
  EXPECT_THAT(ReadAllIds(reader, 10), ElementsAreArray(NewestFirst(expected)));
  EXPECT_THAT(ReadAllIds(reader, 1), ElementsAreArray(NewestFirst(expected)));

  // With a bound longer than the test the cached entry is served as it is:
  // proof that the reads above went through the cache, not SQL.
  TimelineOptions timeline;
  timeline.fanout_threshold = 2;
  timeline.merged_cache_staleness = absl::Hours(1);
  Open(timeline);
  EXPECT_THAT(ReadAllIds(reader, 10), ElementsAreArray(NewestFirst(expected)));
  absl::StatusOr<TweetRecord> remote =
      setup.other_tweets->CreateTweet(setup.star, "remote, unseen");
  ASSERT_TRUE(remote.ok()) << remote.status();
  EXPECT_THAT(ReadAllIds(reader, 10), ElementsAreArray(NewestFirst(expected)));
}

// The first reader to see an entry past half its staleness bound reloads
// it (refresh ahead) while it still serves: a tweet written through
// another server shows up although no entry ever went stale. Without the
// refresh, the entry (300 of its 600 ms old) would be served unchanged.
// The background refresher is off here: this is the readers' own claim.
TEST_F(TimelineTest, MergedCacheRefreshesAheadOfTheStalenessBound) {
  MergedStarWithRemoteTweet setup = SetUpMergedStarWithRemoteTweet(
      absl::Milliseconds(600), /*background_refresh=*/false);
  ASSERT_NE(setup.other_tweets, nullptr);
  Advance(absl::Milliseconds(350));
  // Past half the bound: served as cached, and reloaded by this read.
  ReadAllIds(setup.reader, 10);
  EXPECT_THAT(ReadAllIds(setup.reader, 10),
              ElementsAreArray(NewestFirst(setup.expected)));
}

// The store's background refresher reloads entries from a quarter of the
// bound on, so a reader finds a tweet written through another server on
// its first read after the reload, without paying for the reload itself.
// Readers alone would serve this entry (1.3 s of a 2 s bound: due, not
// stale) as cached on that read, and reload it for the next one.
TEST_F(TimelineTest, MergedCacheIsRefreshedInTheBackground) {
  MergedStarWithRemoteTweet setup =
      SetUpMergedStarWithRemoteTweet(absl::Seconds(2));
  ASSERT_NE(setup.other_tweets, nullptr);
  // The refresher wakes every 500 ms and reloads entries older than
  // 500 ms: at least one wake-up falls between 0.5 and 1.3 s of age. The
  // sleep is the scenario: the refresher's wake-ups follow the real clock
  // (Advance() would age the entry without waking it), and a poll could
  // not tell its reload from a reader's, which starts at 1 s of age.
  absl::SleepFor(absl::Milliseconds(1300));
  EXPECT_THAT(ReadAllIds(setup.reader, 10),
              ElementsAreArray(NewestFirst(setup.expected)));
}

// ---- The tweet cache (TweetRecordCache) -------------------------------------

// Pages read through the tweet cache (cold, warm, and one too small to hold
// a page, so hits and misses interleave) carry exactly the records the
// database returns with the cache off: ids, authors, names, texts, times.
TEST_F(TimelineTest, TweetCacheGivesTheSameRecordsAsTheDatabase) {
  TimelineOptions timeline;
  timeline.fanout_threshold = 2;  // one merged author, the rest fanned out
  Open(timeline);
  UserId reader = MustCreateUser("읽는 사람");
  UserId star = MustCreateUser("별 ⭐");
  MustFollow(MustCreateUser(), star);
  MustFollow(reader, star);
  UserId friend1 = MustCreateUser("친구");
  MustFollow(reader, friend1);
  for (int i = 0; i < 9; ++i) {
    MustTweet(i % 3 == 0   ? star
              : i % 3 == 1 ? friend1
                           : reader,
              absl::StrCat("트윗 ", i, " 🎉 ", std::string(i * 20, 'x')));
  }
  auto read_all = [&](std::int64_t cache_bytes, int page_size) {
    timeline.tweet_cache_bytes = cache_bytes;
    Open(timeline);
    std::vector<TweetRecord> first = ReadAll(reader, page_size);
    std::vector<TweetRecord> second = ReadAll(reader, page_size);  // warm
    EXPECT_EQ(first.size(), second.size());
    for (std::size_t i = 0; i < first.size() && i < second.size(); ++i) {
      EXPECT_EQ(first[i].id, second[i].id);
      EXPECT_EQ(first[i].text, second[i].text);
    }
    return second;
  };
  const std::vector<TweetRecord> truth = read_all(0, 4);
  ASSERT_EQ(truth.size(), 9u);
  // 32 MiB (the default): everything cached after the first read; two
  // entries' worth: evictions within every page.
  for (std::int64_t bytes : {std::int64_t{32} << 20, std::int64_t{2 * 260}}) {
    for (int page_size : {1, 4, 50}) {
      std::vector<TweetRecord> got = read_all(bytes, page_size);
      ASSERT_EQ(got.size(), truth.size()) << bytes << " " << page_size;
      for (std::size_t i = 0; i < got.size(); ++i) {
        EXPECT_EQ(got[i].id, truth[i].id);
        EXPECT_EQ(got[i].author_id, truth[i].author_id);
        EXPECT_EQ(got[i].author_name, truth[i].author_name);
        EXPECT_EQ(got[i].text, truth[i].text);
        EXPECT_EQ(got[i].created_at, truth[i].created_at);
      }
    }
  }
}

}  // namespace
}  // namespace miniter::storage
