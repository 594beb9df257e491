// mysql_storage_integration_test.cc: the MySQL stores against a real
// MariaDB (ctest label "integration", fixture miniter_db).
//
// The database comes from MINITER_TEST_DATABASE_URL, else from the file
// named by MINITER_TEST_DATABASE_URL_FILE. Other tests may share it, so every
// test makes its own users with random e-mail keys and never assumes an
// empty table.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include "absl/random/random.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "server/storage/mysql/database_url.h"
#include "server/storage/mysql/mysql_storage.h"
#include "server/storage/mysql/pooled_connection.h"
#include "tests/storage/migrated_database_test.h"

namespace miniter::storage {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

// Appends the UTF-8 encoding of `code_point`.
void AppendUtf8(std::string& out, char32_t code_point) {
  if (code_point < 0x80) {
    out.push_back(static_cast<char>(code_point));
  } else if (code_point < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (code_point >> 6)));
    out.push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  } else if (code_point < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (code_point >> 12)));
    out.push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (code_point >> 18)));
    out.push_back(static_cast<char>(0x80 | ((code_point >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  }
}

class MySqlStorageTest : public MigratedDatabaseTest {
 protected:
  void SetUp() override {
    MigratedDatabaseTest::SetUp();
    if (IsSkipped()) return;
    options_.database_url = url();
    options_.pool_size = 4;
    absl::StatusOr<MySqlStorage> storage = OpenMySqlStorage(options_);
    ASSERT_TRUE(storage.ok()) << storage.status();
    storage_ = *std::move(storage);
  }

  std::string UniqueSuffix() {
    return absl::StrCat(absl::ToUnixMicros(absl::Now()), "-",
                        absl::Uniform<std::uint64_t>(bitgen_));
  }

  NewUser MakeNewUser(std::string name = "Test User") {
    NewUser user;
    const std::string suffix = UniqueSuffix();
    user.name = std::move(name);
    user.email = absl::StrCat("Test.", suffix, "@Example.com");
    user.email_key = absl::AsciiStrToLower(user.email);
    user.password_hash = "$argon2id$v=19$m=65536,t=2,p=1$c2FsdA$aGFzaA";
    user.profile = "hello";
    return user;
  }

  UserRecord MustCreateUser(std::string name = "Test User") {
    absl::StatusOr<UserRecord> user =
        storage_.users->CreateUser(MakeNewUser(std::move(name)));
    EXPECT_TRUE(user.ok()) << user.status();
    return user.ok() ? *user : UserRecord{};
  }

  TweetRecord MustTweet(UserId author, const std::string& text) {
    absl::StatusOr<TweetRecord> tweet =
        storage_.tweets->CreateTweet(author, text);
    EXPECT_TRUE(tweet.ok()) << tweet.status();
    return tweet.ok() ? *tweet : TweetRecord{};
  }

  // Counts follows rows with plain SQL, beside the stores under test.
  int CountFollowRows(UserId follower, UserId followee) {
    auto connection = OpenConnection();
    EXPECT_TRUE(connection.ok()) << connection.status();
    if (!connection.ok()) return -1;
    sql::PreparedStatement& count =
        (*connection)
            ->Prepare(
                "SELECT COUNT(*) FROM follows WHERE follower_id = ? AND "
                "followee_id = ?");
    count.setUInt64(1, follower);
    count.setUInt64(2, followee);
    std::unique_ptr<sql::ResultSet> rows(count.executeQuery());
    rows->next();
    return rows->getInt(1);
  }

  MySqlOptions options_;
  MySqlStorage storage_;
  absl::BitGen bitgen_;
};

TEST_F(MySqlStorageTest, MigrationsApplyOnceEvenConcurrently) {
  std::vector<std::thread> threads;
  std::vector<absl::StatusOr<std::vector<int>>> results(4);
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] { results[i] = ApplyMigrations(options_); });
  }
  for (std::thread& t : threads) t.join();
  for (const auto& result : results) {
    ASSERT_TRUE(result.ok()) << result.status();
    EXPECT_THAT(*result, IsEmpty());  // the suite set-up applied them
  }
  absl::StatusOr<std::vector<int>> again = ApplyMigrations(options_);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_THAT(*again, IsEmpty());
}

TEST_F(MySqlStorageTest, DurabilityCheckRuns) {
  absl::StatusOr<std::vector<std::string>> warnings = CheckDurability(options_);
  ASSERT_TRUE(warnings.ok()) << warnings.status();
  for (const std::string& warning : *warnings) {
    std::cerr << "durability warning: " << warning << "\n";
  }
}

TEST_F(MySqlStorageTest, TargetHasNoPassword) {
  absl::StatusOr<mysql::DatabaseUrl> url =
      mysql::ParseDatabaseUrl(MigratedDatabaseTest::url());
  ASSERT_TRUE(url.ok());
  if (!url->password.empty()) {
    EXPECT_EQ(storage_.target.find(url->password), std::string::npos);
  }
  EXPECT_NE(storage_.target.find(url->database), std::string::npos);
}

TEST_F(MySqlStorageTest, CreateUserAndFindCredentials) {
  const absl::Time before = absl::Now();
  NewUser new_user = MakeNewUser("Ada");
  absl::StatusOr<UserRecord> user = storage_.users->CreateUser(new_user);
  ASSERT_TRUE(user.ok()) << user.status();
  EXPECT_GT(user->id, 0u);
  EXPECT_EQ(user->name, "Ada");
  EXPECT_EQ(user->email, new_user.email);
  EXPECT_EQ(user->profile, "hello");
  // The database clock is the test machine's clock here.
  EXPECT_GE(user->created_at, before - absl::Seconds(5));
  EXPECT_LE(user->created_at, absl::Now() + absl::Seconds(5));

  absl::StatusOr<UserCredentials> credentials =
      storage_.users->FindCredentialsByEmailKey(new_user.email_key);
  ASSERT_TRUE(credentials.ok()) << credentials.status();
  EXPECT_EQ(credentials->user_id, user->id);
  EXPECT_EQ(credentials->password_hash, new_user.password_hash);

  EXPECT_TRUE(storage_.users->CheckUserExists(user->id).ok());
}

TEST_F(MySqlStorageTest, DuplicateEmailKeyIsAlreadyExists) {
  NewUser first = MakeNewUser();
  ASSERT_TRUE(storage_.users->CreateUser(first).ok());
  NewUser second = MakeNewUser();
  second.email_key = first.email_key;
  absl::StatusOr<UserRecord> duplicate = storage_.users->CreateUser(second);
  EXPECT_EQ(duplicate.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(duplicate.status().message().find("Duplicate"), std::string::npos);
}

TEST_F(MySqlStorageTest, EmailKeyUniquenessIsExactBytes) {
  // The rules layer folds case; storage compares the key byte for byte, so
  // keys that differ only in case are different keys.
  NewUser lower = MakeNewUser();
  NewUser upper = lower;
  upper.email_key = absl::AsciiStrToUpper(lower.email_key);
  EXPECT_TRUE(storage_.users->CreateUser(lower).ok());
  EXPECT_TRUE(storage_.users->CreateUser(upper).ok());
  EXPECT_EQ(storage_.users
                ->FindCredentialsByEmailKey(absl::StrCat(lower.email_key, "x"))
                .status()
                .code(),
            absl::StatusCode::kNotFound);
}

TEST_F(MySqlStorageTest, UnknownUserIsNotFound) {
  constexpr UserId kNoSuchUser = 18'000'000'000'000'000'000u;  // > 2^63
  EXPECT_EQ(storage_.users->CheckUserExists(kNoSuchUser).code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(
      storage_.users
          ->FindCredentialsByEmailKey(absl::StrCat("nobody-", UniqueSuffix()))
          .status()
          .code(),
      absl::StatusCode::kNotFound);
  EXPECT_EQ(storage_.tweets->CreateTweet(kNoSuchUser, "hi").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(storage_.tweets->ReadTimelinePage({kNoSuchUser, 0, 10, {}})
                .status()
                .code(),
            absl::StatusCode::kNotFound);
  UserRecord real = MustCreateUser();
  EXPECT_EQ(storage_.follows->Follow(real.id, kNoSuchUser).code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(storage_.follows->Follow(kNoSuchUser, real.id).code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(storage_.follows->Unfollow(real.id, kNoSuchUser).code(),
            absl::StatusCode::kNotFound);
}

TEST_F(MySqlStorageTest, KoreanAndEmojiRoundTripByteForByte) {
  std::string hangul;
  for (int i = 0; i < 300; ++i) AppendUtf8(hangul, 0xAC00 + i * 37);
  std::string emoji;
  for (int i = 0; i < 300; ++i) AppendUtf8(emoji, 0x1F600 + i % 80);
  std::string profile;
  for (int i = 0; i < 2000; ++i) AppendUtf8(profile, i % 2 ? 0x1F600 : 0xD55C);

  NewUser new_user = MakeNewUser("한글 이름 😀");
  new_user.profile = profile;
  absl::StatusOr<UserRecord> user = storage_.users->CreateUser(new_user);
  ASSERT_TRUE(user.ok()) << user.status();

  TweetRecord korean = MustTweet(user->id, hangul);
  TweetRecord smileys = MustTweet(user->id, emoji);
  EXPECT_EQ(korean.text, hangul);
  EXPECT_EQ(smileys.text, emoji);
  EXPECT_EQ(smileys.author_name, "한글 이름 😀");

  absl::StatusOr<std::vector<TweetRecord>> page =
      storage_.tweets->ReadTimelinePage({user->id, 0, 10, {}});
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_EQ(page->size(), 2u);
  EXPECT_EQ((*page)[0].text, emoji);
  EXPECT_EQ((*page)[1].text, hangul);
  EXPECT_EQ((*page)[0].author_name, "한글 이름 😀");

  // One code point over the column's limit is refused, never truncated.
  absl::StatusOr<TweetRecord> too_long =
      storage_.tweets->CreateTweet(user->id, emoji + "😀");
  EXPECT_FALSE(too_long.ok());
}

TEST_F(MySqlStorageTest, FollowIsIdempotentAndUnfollowOfNothingIsOk) {
  UserRecord a = MustCreateUser();
  UserRecord b = MustCreateUser();
  EXPECT_TRUE(storage_.follows->Follow(a.id, b.id).ok());
  EXPECT_TRUE(storage_.follows->Follow(a.id, b.id).ok());
  EXPECT_EQ(CountFollowRows(a.id, b.id), 1);
  EXPECT_TRUE(storage_.follows->Unfollow(a.id, b.id).ok());
  EXPECT_EQ(CountFollowRows(a.id, b.id), 0);
  EXPECT_TRUE(storage_.follows->Unfollow(a.id, b.id).ok());
  EXPECT_TRUE(storage_.follows->Unfollow(b.id, a.id).ok());
}

TEST_F(MySqlStorageTest, TimelineOrderUniquenessAndPaging) {
  UserRecord me = MustCreateUser("me");
  UserRecord friend1 = MustCreateUser("friend1");
  UserRecord friend2 = MustCreateUser("friend2");
  UserRecord stranger = MustCreateUser("stranger");
  ASSERT_TRUE(storage_.follows->Follow(me.id, friend1.id).ok());
  ASSERT_TRUE(storage_.follows->Follow(me.id, friend2.id).ok());
  ASSERT_TRUE(storage_.follows->Follow(me.id, friend2.id).ok());

  // Empty but existing user: OK and empty.
  absl::StatusOr<std::vector<TweetRecord>> empty =
      storage_.tweets->ReadTimelinePage({me.id, 0, 5, {}});
  ASSERT_TRUE(empty.ok()) << empty.status();
  EXPECT_THAT(*empty, IsEmpty());

  std::set<TweetId> expected;
  std::set<TweetId> friend2_tweets;
  for (int i = 0; i < 7; ++i) {
    expected.insert(MustTweet(me.id, absl::StrCat("me ", i)).id);
    expected.insert(MustTweet(friend1.id, absl::StrCat("f1 ", i)).id);
    TweetId f2 = MustTweet(friend2.id, absl::StrCat("f2 ", i)).id;
    expected.insert(f2);
    friend2_tweets.insert(f2);
    MustTweet(stranger.id, absl::StrCat("stranger ", i));
  }

  std::vector<TweetId> seen;
  TweetId before = 0;
  for (int pages = 0; pages < 100; ++pages) {
    absl::StatusOr<std::vector<TweetRecord>> page =
        storage_.tweets->ReadTimelinePage({me.id, before, 4, {}});
    ASSERT_TRUE(page.ok()) << page.status();
    if (page->empty()) break;
    EXPECT_LE(page->size(), 4u);
    for (const TweetRecord& tweet : *page) {
      if (!seen.empty()) {
        EXPECT_LT(tweet.id, seen.back());  // newest first
      }
      seen.push_back(tweet.id);
      EXPECT_NE(tweet.author_id, stranger.id);
      if (tweet.author_id == friend1.id) {
        EXPECT_EQ(tweet.author_name, "friend1");
      }
    }
    before = page->back().id;
  }
  EXPECT_EQ(seen.size(), expected.size());  // each exactly once
  EXPECT_EQ(std::set<TweetId>(seen.begin(), seen.end()), expected);

  // created_at follows insertion order.
  absl::StatusOr<std::vector<TweetRecord>> top =
      storage_.tweets->ReadTimelinePage({me.id, 0, 21, {}});
  ASSERT_TRUE(top.ok());
  for (size_t i = 1; i < top->size(); ++i) {
    EXPECT_GE((*top)[i - 1].created_at, (*top)[i].created_at);
  }

  ASSERT_TRUE(storage_.follows->Unfollow(me.id, friend2.id).ok());
  absl::StatusOr<std::vector<TweetRecord>> after =
      storage_.tweets->ReadTimelinePage({me.id, 0, 100, {}});
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->size(), expected.size() - friend2_tweets.size());
  for (const TweetRecord& tweet : *after) {
    EXPECT_EQ(friend2_tweets.count(tweet.id), 0u);
  }
}

TEST_F(MySqlStorageTest, ConcurrentWritesThroughASmallPool) {
  options_.pool_size = 2;
  absl::StatusOr<MySqlStorage> storage = OpenMySqlStorage(options_);
  ASSERT_TRUE(storage.ok());
  UserRecord author = MustCreateUser();
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) {
        if (!storage->tweets->CreateTweet(author.id, absl::StrCat(t, "/", i))
                 .ok()) {
          ++failures;
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(failures, 0);
  absl::StatusOr<std::vector<TweetRecord>> page =
      storage->tweets->ReadTimelinePage({author.id, 0, 100, {}});
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->size(), 80u);
}

TEST_F(MySqlStorageTest, SessionsAreSetUpExplicitly) {
  absl::StatusOr<mysql::DatabaseUrl> url =
      mysql::ParseDatabaseUrl(MigratedDatabaseTest::url());
  ASSERT_TRUE(url.ok());
  mysql::ConnectionSettings settings;
  settings.url = *url;
  auto connection = mysql::OpenPooledConnection(settings);
  ASSERT_TRUE(connection.ok()) << connection.status();
  // tx_isolation is MariaDB's name (MySQL 8 calls it transaction_isolation).
  sql::PreparedStatement& select =
      (*connection)
          ->Prepare(
              "SELECT @@character_set_connection, @@collation_connection,"
              " @@character_set_results, @@time_zone, @@autocommit,"
              " @@tx_isolation, @@sql_mode");
  std::unique_ptr<sql::ResultSet> rows(select.executeQuery());
  ASSERT_TRUE(rows->next());
  EXPECT_EQ(rows->getString(1), "utf8mb4");
  EXPECT_EQ(rows->getString(2), "utf8mb4_bin");
  EXPECT_EQ(rows->getString(3), "utf8mb4");
  EXPECT_EQ(rows->getString(4), "+00:00");
  EXPECT_EQ(rows->getInt(5), 1);
  EXPECT_EQ(rows->getString(6), "READ-COMMITTED");
  const std::string sql_mode = rows->getString(7);
  EXPECT_NE(sql_mode.find("STRICT_ALL_TABLES"), std::string::npos);
  EXPECT_NE(sql_mode.find("NO_ZERO_DATE"), std::string::npos);
}

TEST_F(MySqlStorageTest, PingSucceeds) {
  EXPECT_TRUE(storage_.health->Ping().ok());
}

// Needs no database: port 1 on loopback refuses connections at once.
TEST(MySqlStorageUnavailableTest, ClosedPortIsUnavailableQuickly) {
  MySqlOptions options;
  options.database_url = "mysql://miniter:hunter2@127.0.0.1:1/miniter";
  options.connect_timeout = absl::Seconds(2);
  absl::StatusOr<MySqlStorage> storage = OpenMySqlStorage(options);
  ASSERT_TRUE(storage.ok()) << storage.status();  // connects lazily
  EXPECT_EQ(storage->target, "127.0.0.1:1/miniter");

  const absl::Time start = absl::Now();
  absl::Status exists = storage->users->CheckUserExists(1);
  EXPECT_EQ(exists.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(exists.message(), "database unavailable");
  EXPECT_EQ(storage->tweets->CreateTweet(1, "x").status().code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(storage->follows->Follow(1, 2).code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(storage->health->Ping().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(ApplyMigrations(options).status().code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(CheckDurability(options).status().code(),
            absl::StatusCode::kUnavailable);
  EXPECT_LT(absl::Now() - start, absl::Seconds(10));
}

}  // namespace
}  // namespace miniter::storage
