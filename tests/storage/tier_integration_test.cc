// tier_integration_test.cc: the memory tier of home timelines (Redis) in
// front of a real MariaDB (ctest label "integration", fixtures miniter_db
// and miniter_redis): pages served through the tier equal the database's
// answer (fill on miss, paging past the tier's floor, merged authors, the
// horizon fallback); read-your-writes across two servers sharing the
// tier; Follow/Unfollow invalidation; a flushed tier; the outbox
// repairing a fan-out a server could not deliver; and the breaker keeping
// the tier out of use until a repair succeeds.
//
// The reference is a store without a tier and without the merged-author
// cache, so it always reads committed rows (the database path itself is
// checked from first principles by timeline_integration_test.cc).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include "absl/random/random.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "server/storage/mysql/database_url.h"
#include "server/storage/mysql/mysql_storage.h"
#include "server/storage/mysql/pooled_connection.h"
#include "server/storage/redis/redis_client.h"
#include "server/storage/redis/redis_home_timeline_tier.h"
#include "tests/storage/migrated_database_test.h"
#include "tests/storage/test_redis.h"
#include "tests/support/eventually.h"
#include "tests/support/log_capture.h"

namespace miniter::storage {
namespace {

using ::miniter::testing::Eventually;
using ::testing::ElementsAreArray;

class TierTest : public MigratedDatabaseTest {
 protected:
  void SetUp() override {
    MigratedDatabaseTest::SetUp();
    if (IsSkipped()) return;
    redis_url_ = RedisUrlFromEnvironment();
    if (redis_url_.empty()) GTEST_SKIP() << "no test Redis configured";
    // A prefix per test: the Redis is shared with other suites and runs.
    prefix_ = absl::StrCat("test:", absl::ToUnixMicros(absl::Now()), ":",
                           absl::Uniform<std::uint32_t>(bitgen_), ":");
    timeline_.fanout_threshold = 4;
    timeline_.retention = 12;
    timeline_.trim_one_in = 1;
    timeline_.follow_backfill_depth = 5;
  }

  // A server's stores: on the test database, with a tier of their own
  // (sharing the Redis and key prefix) unless `url` is empty.
  struct Server {
    std::shared_ptr<redis::RedisHomeTimelineTier> tier;
    MySqlStorage storage;
  };
  Server Open(const std::string& url, bool merged_cache = true) {
    Server server;
    MySqlOptions options;
    options.database_url = MigratedDatabaseTest::url();
    options.pool_size = 8;
    options.timeline = timeline_;
    if (!merged_cache) options.timeline.merged_cache_ids_per_author = 0;
    if (!url.empty()) {
      redis::RedisTierOptions tier;
      tier.url = url;
      tier.retention = 8;  // below the database's, so pages cross the floor
      tier.key_prefix = prefix_;
      tier.probe_period = absl::Milliseconds(20);
      auto created = redis::RedisHomeTimelineTier::Create(tier);
      EXPECT_TRUE(created.ok()) << created.status();
      if (!created.ok()) return server;
      server.tier = *std::move(created);
      options.tier = server.tier;
    }
    absl::StatusOr<MySqlStorage> storage = OpenMySqlStorage(options);
    EXPECT_TRUE(storage.ok()) << storage.status();
    if (storage.ok()) server.storage = *std::move(storage);
    if (server.tier != nullptr) WaitUsable(*server.tier);
    return server;
  }

  // A tier alone (no storage in front) on `url`, probing every 20 ms.
  std::shared_ptr<redis::RedisHomeTimelineTier> TierAlone(
      const std::string& url) {
    redis::RedisTierOptions options;
    options.url = url;
    options.key_prefix = prefix_;
    options.probe_period = absl::Milliseconds(20);
    auto created = redis::RedisHomeTimelineTier::Create(options);
    EXPECT_TRUE(created.ok()) << created.status();
    if (!created.ok()) return nullptr;
    return *std::move(created);
  }

  static void WaitUsable(const HomeTimelineTier& tier) {
    const absl::Time give_up = absl::Now() + absl::Seconds(10);
    while (!tier.Usable() && absl::Now() < give_up) {
      absl::SleepFor(absl::Milliseconds(5));
    }
    ASSERT_TRUE(tier.Usable()) << "the tier did not become usable in 10 s";
  }

  UserId MustCreateUser(Server& server) {
    NewUser user;
    user.name = "tier";
    user.email =
        absl::StrCat("tier.", absl::ToUnixMicros(absl::Now()), ".",
                     absl::Uniform<std::uint64_t>(bitgen_), "@example.com");
    user.email_key = absl::AsciiStrToLower(user.email);
    user.password_hash = "$argon2id$v=19$m=65536,t=2,p=1$c2FsdA$aGFzaA";
    absl::StatusOr<UserRecord> created = server.storage.users->CreateUser(user);
    EXPECT_TRUE(created.ok()) << created.status();
    return created.ok() ? created->id : 0;
  }

  TweetId MustTweet(Server& server, UserId author) {
    absl::StatusOr<TweetRecord> tweet =
        server.storage.tweets->CreateTweet(author, "tier test");
    EXPECT_TRUE(tweet.ok()) << tweet.status();
    return tweet.ok() ? tweet->id : 0;
  }

  // Every id of `user`'s timeline through `server`, `page_size` a page.
  static std::vector<TweetId> ReadAll(Server& server, UserId user,
                                      int page_size) {
    std::vector<TweetId> ids;
    TweetId before = 0;
    for (int pages = 0; pages < 1000; ++pages) {
      absl::StatusOr<std::vector<TweetRecord>> page =
          server.storage.tweets->ReadTimelinePage(
              {user, before, page_size, {}});
      EXPECT_TRUE(page.ok()) << page.status();
      if (!page.ok() || page->empty()) break;
      for (const TweetRecord& tweet : *page) ids.push_back(tweet.id);
      before = page->back().id;
    }
    return ids;
  }

  std::vector<TweetId> FirstPage(Server& server, UserId user, int size) {
    absl::StatusOr<std::vector<TweetRecord>> page =
        server.storage.tweets->ReadTimelinePage({user, 0, size, {}});
    EXPECT_TRUE(page.ok()) << page.status();
    std::vector<TweetId> ids;
    if (page.ok()) {
      for (const TweetRecord& tweet : *page) ids.push_back(tweet.id);
    }
    return ids;
  }

  redis::RedisClient Client() {
    return redis::RedisClient(*redis::RedisClientOptions::FromUrl(
        redis_url_, absl::Milliseconds(250), absl::Seconds(5)));
  }

  // Whether `owner` has a complete entry in the tier.
  bool HasEntry(UserId owner) {
    absl::StatusOr<redis::RedisReply> reply =
        Client().Command({"ZSCORE", absl::StrCat(prefix_, owner), "c"});
    EXPECT_TRUE(reply.ok()) << reply.status();
    return reply.ok() && reply->type != redis::RedisReply::Type::kNil;
  }

  // Outbox rows still about `users` (as owners or authors).
  std::uint64_t PendingOutboxRows(const std::vector<UserId>& users) {
    auto connection = OpenConnection();
    EXPECT_TRUE(connection.ok()) << connection.status();
    if (!connection.ok()) return 0;
    std::string list;
    for (UserId user : users)
      absl::StrAppend(&list, list.empty() ? "" : ",", user);
    sql::PreparedStatement& select =
        (*connection)
            ->Prepare(absl::StrCat(
                "SELECT COUNT(*) FROM tier_outbox WHERE subject_id IN (", list,
                ") OR author_id IN (", list, ")"));
    std::unique_ptr<sql::ResultSet> rows(select.executeQuery());
    return rows->next() ? rows->getUInt64(1) : 0;
  }

  std::string redis_url_;
  std::string prefix_;
  TimelineOptions timeline_;
  absl::BitGen bitgen_;
};

TEST_F(TierTest, PagesEqualTheDatabaseUnderRandomWrites) {
  Server a = Open(redis_url_);
  Server b = Open(redis_url_);
  Server reference = Open("", /*merged_cache=*/false);
  std::vector<UserId> users;
  for (int i = 0; i < 12; ++i) users.push_back(MustCreateUser(a));
  absl::BitGen random(std::seed_seq{42});
  for (int step = 0; step < 300; ++step) {
    // Writes go through `a`; reads through `a` (its merged-author cache
    // sees its own writes at once) and `b` for users without merged
    // followees' tweets in flight (b's cache may be up to 1 s behind).
    const UserId x = users[absl::Uniform<std::size_t>(random, 0, users.size())];
    const UserId y = users[absl::Uniform<std::size_t>(random, 0, users.size())];
    const int action = absl::Uniform(random, 0, 10);
    if (action < 6) {
      MustTweet(a, x);
    } else if (action < 8 && x != y) {
      ASSERT_TRUE(a.storage.follows->Follow(x, y).ok());
    } else if (x != y) {
      ASSERT_TRUE(a.storage.follows->Unfollow(x, y).ok());
    }
    if (step % 10 == 9) {
      for (UserId user : users) {
        const std::vector<TweetId> expected = ReadAll(reference, user, 5);
        ASSERT_THAT(ReadAll(a, user, 5), ElementsAreArray(expected))
            << "user " << user << " at step " << step;
        ASSERT_THAT(ReadAll(a, user, 3), ElementsAreArray(expected))
            << "user " << user << " at step " << step;
      }
    }
  }
  // The tier was used: once the sweeper has made its second pass over this
  // test's invalidations (which may drop entries built in the last 2 s),
  // every user read through `a` has an entry.
  const absl::Time give_up = absl::Now() + absl::Seconds(30);
  while (PendingOutboxRows(users) > 0 && absl::Now() < give_up) {
    absl::SleepFor(absl::Milliseconds(50));
  }
  ASSERT_EQ(PendingOutboxRows(users), 0u);
  for (UserId user : users) {
    ASSERT_THAT(ReadAll(a, user, 5),
                ElementsAreArray(ReadAll(reference, user, 5)));
    EXPECT_TRUE(HasEntry(user)) << user;
  }
}

TEST_F(TierTest, PagesComeFromTheTierWhenItHasTheEntry) {
  Server a = Open(redis_url_);
  const UserId reader = MustCreateUser(a);
  const UserId stranger = MustCreateUser(a);
  const TweetId own = MustTweet(a, reader);
  ASSERT_THAT(FirstPage(a, reader, 10), ElementsAreArray({own}));
  ASSERT_TRUE(HasEntry(reader));
  // A tweet the database does not list for the reader, put into the entry
  // by hand: seeing it proves the page was read from the tier.
  const TweetId foreign = MustTweet(a, stranger);
  ASSERT_TRUE(Client()
                  .Command({"ZADD", absl::StrCat(prefix_, reader),
                            std::to_string(foreign), std::to_string(foreign)})
                  .ok());
  EXPECT_THAT(FirstPage(a, reader, 10), ElementsAreArray({foreign, own}));
}

// Through the tier too, storage asks before the fallback query and only
// then, and a refusal ends the read with the refusal's status.
TEST_F(TierTest, OnlyPagesBelowTheHorizonAskToReadTheExpensiveWay) {
  Server a = Open(redis_url_);
  const UserId reader = MustCreateUser(a);
  const UserId author = MustCreateUser(a);
  std::vector<TweetId> tweets;
  for (int i = 0; i < 10; ++i) tweets.push_back(MustTweet(a, author));
  ASSERT_TRUE(a.storage.follows->Follow(reader, author).ok());  // newest 5
  int asked = 0;
  TimelinePageQuery query{reader, 0, 3, {}};
  query.admit_expensive_read = [&asked] {
    ++asked;
    return absl::ResourceExhaustedError("refused by the test");
  };
  absl::StatusOr<std::vector<TweetRecord>> newest =
      a.storage.tweets->ReadTimelinePage(query);
  ASSERT_TRUE(newest.ok()) << newest.status();
  ASSERT_TRUE(HasEntry(reader));
  EXPECT_EQ(asked, 0);
  query.before_tweet_id = tweets[6];  // 2 home rows below it, then history
  absl::StatusOr<std::vector<TweetRecord>> deep =
      a.storage.tweets->ReadTimelinePage(query);
  EXPECT_EQ(deep.status(), absl::ResourceExhaustedError("refused by the test"));
  EXPECT_EQ(asked, 1);
  query.admit_expensive_read = [&asked] {
    ++asked;
    return absl::OkStatus();
  };
  deep = a.storage.tweets->ReadTimelinePage(query);
  ASSERT_TRUE(deep.ok()) << deep.status();
  std::vector<TweetId> ids;
  for (const TweetRecord& tweet : *deep) ids.push_back(tweet.id);
  EXPECT_THAT(ids, ElementsAreArray({tweets[5], tweets[4], tweets[3]}));
  EXPECT_EQ(asked, 2);
}

TEST_F(TierTest, ReadYourWritesThroughAnotherServer) {
  Server a = Open(redis_url_);
  Server b = Open(redis_url_);
  const UserId author = MustCreateUser(a);
  const UserId follower = MustCreateUser(a);
  ASSERT_TRUE(a.storage.follows->Follow(follower, author).ok());
  const TweetId first = MustTweet(a, author);
  // Both entries exist in the tier (built through b) before the write.
  ASSERT_THAT(FirstPage(b, author, 10), ElementsAreArray({first}));
  ASSERT_THAT(FirstPage(b, follower, 10), ElementsAreArray({first}));
  ASSERT_TRUE(HasEntry(author));
  ASSERT_TRUE(HasEntry(follower));
  for (int i = 0; i < 20; ++i) {
    const TweetId next = MustTweet(a, author);
    // At once, through the other server: no wait, no retry.
    EXPECT_EQ(FirstPage(b, author, 1), std::vector<TweetId>{next});
    EXPECT_EQ(FirstPage(b, follower, 1), std::vector<TweetId>{next});
  }
}

TEST_F(TierTest, FollowAndUnfollowThroughOneServerShowOnTheOther) {
  Server a = Open(redis_url_);
  Server b = Open(redis_url_);
  const UserId reader = MustCreateUser(a);
  const UserId author = MustCreateUser(a);
  const TweetId tweet = MustTweet(a, author);
  ASSERT_TRUE(FirstPage(b, reader, 10).empty());
  ASSERT_TRUE(HasEntry(reader));
  ASSERT_TRUE(a.storage.follows->Follow(reader, author).ok());
  EXPECT_THAT(FirstPage(b, reader, 10), ElementsAreArray({tweet}));
  ASSERT_TRUE(a.storage.follows->Unfollow(reader, author).ok());
  EXPECT_TRUE(FirstPage(b, reader, 10).empty());
}

TEST_F(TierTest, AFlushedTierIsRefilledFromTheDatabase) {
  Server a = Open(redis_url_);
  Server reference = Open("", /*merged_cache=*/false);
  const UserId reader = MustCreateUser(a);
  const UserId author = MustCreateUser(a);
  ASSERT_TRUE(a.storage.follows->Follow(reader, author).ok());
  for (int i = 0; i < 15; ++i) MustTweet(a, i % 2 == 0 ? author : reader);
  const std::vector<TweetId> expected = ReadAll(reference, reader, 4);
  ASSERT_THAT(ReadAll(a, reader, 4), ElementsAreArray(expected));
  // Only this test's keys: the Redis is shared.
  ASSERT_TRUE(Client()
                  .Command({"DEL", absl::StrCat(prefix_, reader),
                            absl::StrCat(prefix_, author)})
                  .ok());
  EXPECT_FALSE(HasEntry(reader));
  EXPECT_THAT(ReadAll(a, reader, 4), ElementsAreArray(expected));
  EXPECT_TRUE(HasEntry(reader));
}

TEST_F(TierTest, TheOutboxRepairsAFanOutTheWriterCouldNotDeliver) {
  Server a = Open(redis_url_);
  // A second server whose tier is unreachable: it commits tweets and
  // records them in the outbox, but cannot tell the tier (as if it died
  // between the commit and the tier write).
  Server cut_off = Open("");
  {
    MySqlOptions options;
    options.database_url = MigratedDatabaseTest::url();
    options.timeline = timeline_;
    redis::RedisTierOptions tier;
    tier.url = "redis://127.0.0.1:1";  // nothing listens there
    tier.key_prefix = prefix_;
    auto created = redis::RedisHomeTimelineTier::Create(tier);
    ASSERT_TRUE(created.ok());
    cut_off.tier = *std::move(created);
    options.tier = cut_off.tier;
    auto storage = OpenMySqlStorage(options);
    ASSERT_TRUE(storage.ok()) << storage.status();
    cut_off.storage = *std::move(storage);
  }
  const UserId author = MustCreateUser(a);
  const UserId follower = MustCreateUser(a);
  ASSERT_TRUE(a.storage.follows->Follow(follower, author).ok());
  const TweetId first = MustTweet(a, author);
  ASSERT_THAT(FirstPage(a, follower, 10), ElementsAreArray({first}));
  ASSERT_TRUE(HasEntry(follower));

  const TweetId missed = MustTweet(cut_off, author);
  // The entry does not have it yet...
  EXPECT_THAT(FirstPage(a, follower, 10), ElementsAreArray({first}));
  // ...until a's tier is repaired (what a's sweeper also does once the
  // row has settled): the outbox row is applied, nothing is lost.
  a.tier->MarkFailed();
  WaitUsable(*a.tier);
  EXPECT_THAT(FirstPage(a, follower, 10), ElementsAreArray({missed, first}));
  EXPECT_THAT(FirstPage(a, author, 10), ElementsAreArray({missed, first}));
}

// Writers write through while a repair runs: a write that saw the tier
// unusable is then certain to be in the outbox before the repair's sweep
// begins, and one committed after that reaches the tier from its writer, so
// no entry is left without a tweet once the tier is usable again (before,
// such a tweet waited for the sweeper, up to 2.5 s). A call failing during
// the repair makes the next probe repair again.
TEST_F(TierTest, WritesGoThroughWhileTheRepairRuns) {
  std::shared_ptr<redis::RedisHomeTimelineTier> tier = TierAlone(redis_url_);
  ASSERT_NE(tier, nullptr);
  absl::Mutex mu;
  std::vector<std::pair<bool, bool>> seen;  // (Usable, Writable) per repair
  tier->SetRepairHook([&]() -> absl::Status {
    absl::MutexLock lock(&mu);
    seen.emplace_back(tier->Usable(), tier->Writable());
    // The first repair meets a failed call (as a write failing meanwhile
    // would report it): it must not make the tier usable.
    if (seen.size() == 1) tier->MarkFailed();
    return absl::OkStatus();
  });
  WaitUsable(*tier);
  EXPECT_TRUE(tier->Writable());
  tier->SetRepairHook(nullptr);
  absl::MutexLock lock(&mu);
  ASSERT_GE(seen.size(), 2u);
  EXPECT_EQ(seen[0], std::make_pair(false, true));
  EXPECT_EQ(seen[1], std::make_pair(false, true));

  // Down (nothing listens there): neither usable nor writable (writes go
  // to the outbox alone) once a probe has failed. The tier starts unusable,
  // so checking before its prober has run would prove nothing: wait for
  // the line a failed probe logs.
  common::StderrCapture log;
  std::shared_ptr<redis::RedisHomeTimelineTier> unreachable =
      TierAlone("redis://127.0.0.1:1");
  ASSERT_NE(unreachable, nullptr);
  ASSERT_TRUE(Eventually([&] {
    return absl::StrContains(log.Text(), "memory tier: ") &&
           absl::StrContains(log.Text(), "use the database alone");
  })) << "no failed probe logged:\n"
      << log.Text();
  EXPECT_FALSE(unreachable->Usable());
  EXPECT_FALSE(unreachable->Writable());
}

// A repair that fails (the database is down, say) keeps the tier out of
// use; the next probes try again, and only one that succeeds ends it.
TEST_F(TierTest, AFailedRepairKeepsTheTierUnusableUntilOneSucceeds) {
  std::shared_ptr<redis::RedisHomeTimelineTier> tier = TierAlone(redis_url_);
  ASSERT_NE(tier, nullptr);
  std::atomic<int> repairs{0};
  tier->SetRepairHook([&repairs]() -> absl::Status {
    if (++repairs < 3) return absl::UnavailableError("database down");
    return absl::OkStatus();
  });
  WaitUsable(*tier);
  EXPECT_GE(repairs.load(), 3);
  tier->SetRepairHook(nullptr);
}

TEST_F(TierTest, UnknownUserIsNotFoundAndGetsNoEntry) {
  Server a = Open(redis_url_);
  absl::StatusOr<std::vector<TweetRecord>> page =
      a.storage.tweets->ReadTimelinePage({999999999, 0, 10, {}});
  EXPECT_EQ(page.status().code(), absl::StatusCode::kNotFound);
  EXPECT_FALSE(HasEntry(999999999));
}

}  // namespace
}  // namespace miniter::storage
