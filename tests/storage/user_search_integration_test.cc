// user_search_integration_test.cc: UserStore's profile and search methods
// and the follow counts on a real MariaDB: prefix search in key order with
// keyset pages that return each user once, LIKE metacharacters matched
// literally, rows without a key (from before migration 0006) listed and
// keyed once, the search reading one index range (EXPLAIN), and counts that
// change only when an edge really does.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include "absl/random/random.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "server/storage/mysql/mysql_storage.h"
#include "server/storage/mysql/mysql_user_store.h"
#include "server/storage/mysql/pooled_connection.h"
#include "tests/storage/migrated_database_test.h"

namespace miniter::storage {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

class UserSearchTest : public MigratedDatabaseTest {
 protected:
  void SetUp() override {
    MigratedDatabaseTest::SetUp();
    if (IsSkipped()) return;
    options_.database_url = url();
    options_.pool_size = 4;
    absl::StatusOr<MySqlStorage> storage = OpenMySqlStorage(options_);
    ASSERT_TRUE(storage.ok()) << storage.status();
    storage_ = *std::move(storage);
    // Keys of this test only: other tests share the database.
    tag_ = absl::StrCat("t", absl::ToUnixMicros(absl::Now()),
                        absl::Uniform<std::uint32_t>(bitgen_), "-");
  }

  // A user whose name_key is `key` (already folded: storage does not fold);
  // an empty key is stored as missing.
  UserId MustCreate(const std::string& name, const std::string& key) {
    NewUser user;
    user.name = name;
    user.email =
        absl::StrCat("us.", absl::ToUnixMicros(absl::Now()), ".",
                     absl::Uniform<std::uint64_t>(bitgen_), "@example.com");
    user.email_key = absl::AsciiStrToLower(user.email);
    user.name_key = key;
    user.password_hash = "$argon2id$v=19$m=65536,t=2,p=1$c2FsdA$aGFzaA";
    absl::StatusOr<UserRecord> created = storage_.users->CreateUser(user);
    EXPECT_TRUE(created.ok()) << created.status();
    return created.ok() ? created->id : 0;
  }

  // Every user found for `prefix`, `page_size` at a time, as (key, id).
  std::vector<std::pair<std::string, UserId>> SearchAll(
      const std::string& prefix, int page_size) {
    std::vector<std::pair<std::string, UserId>> all;
    UserSearchQuery query;
    query.name_key_prefix = prefix;
    query.limit = page_size;
    for (int pages = 0; pages < 1000; ++pages) {
      absl::StatusOr<std::vector<FoundUser>> page =
          storage_.users->SearchUsersByNameKey(query);
      EXPECT_TRUE(page.ok()) << page.status();
      if (!page.ok() || page->empty()) break;
      EXPECT_LE(page->size(), static_cast<std::size_t>(page_size));
      for (const FoundUser& user : *page) {
        all.emplace_back(user.name_key, user.user.id);
      }
      query.after_name_key = page->back().name_key;
      query.after_id = page->back().user.id;
    }
    return all;
  }

  std::vector<UserId> SearchIds(const std::string& prefix) {
    std::vector<UserId> ids;
    for (const auto& [key, id] : SearchAll(prefix, 100)) ids.push_back(id);
    return ids;
  }

  // follower and following count of `id`.
  std::pair<std::uint64_t, std::uint64_t> Counts(UserId id) {
    absl::StatusOr<UserProfile> profile = storage_.users->GetUserProfile(id);
    EXPECT_TRUE(profile.ok()) << profile.status();
    if (!profile.ok()) return {0, 0};
    return {profile->follower_count, profile->following_count};
  }

  MySqlOptions options_;
  MySqlStorage storage_;
  absl::BitGen bitgen_;
  std::string tag_;
};

TEST_F(UserSearchTest, PagesGoInKeyOrderAndReturnEachUserOnce) {
  std::set<UserId> want;
  // Equal keys (ordered by id), keys that are prefixes of others, and
  // multi-byte keys.
  for (const char* suffix : {"ann", "ann", "anna", "ann lee", "annette", "ann",
                             "변성윤", "변", "a", "b"}) {
    for (int copy = 0; copy < 3; ++copy) {
      want.insert(MustCreate(suffix, absl::StrCat(tag_, suffix)));
    }
  }
  MustCreate("other", absl::StrCat("u", tag_, "ann"));  // not a prefix match
  for (int page_size : {1, 4, 7, 100}) {
    std::vector<std::pair<std::string, UserId>> all =
        SearchAll(tag_, page_size);
    ASSERT_EQ(all.size(), want.size()) << "page size " << page_size;
    std::set<UserId> seen;
    for (std::size_t i = 0; i < all.size(); ++i) {
      EXPECT_TRUE(seen.insert(all[i].second).second) << all[i].second;
      if (i > 0) {
        EXPECT_LT(all[i - 1], all[i]) << "page size " << page_size;
      }
    }
    EXPECT_EQ(seen, want);
  }
  EXPECT_EQ(SearchIds(tag_ + "ann").size(), 18u);
  EXPECT_EQ(SearchIds(tag_ + "anna").size(), 3u);
  EXPECT_EQ(SearchIds(tag_ + "변").size(), 6u);
  EXPECT_EQ(SearchIds(tag_ + "변성").size(), 3u);
  EXPECT_TRUE(SearchIds(tag_ + "c").empty());
}

TEST_F(UserSearchTest, LikeMetacharactersInThePrefixMatchLiterally) {
  const UserId literal = MustCreate("50%_off!", tag_ + "50%_off!");
  const UserId percent = MustCreate("50%aoff", tag_ + "50%aoff");
  const UserId plain = MustCreate("50xyoff", tag_ + "50xyoff");
  const UserId bang = MustCreate("50!x", tag_ + "50!x");
  EXPECT_THAT(SearchIds(tag_ + "50%_"), ElementsAre(literal));
  EXPECT_THAT(SearchIds(tag_ + "50%"), ElementsAre(literal, percent));
  EXPECT_THAT(SearchIds(tag_ + "50__"), ElementsAre());
  EXPECT_THAT(SearchIds(tag_ + "50!"), ElementsAre(bang));
  EXPECT_THAT(SearchIds(tag_ + "50%_off!"), ElementsAre(literal));
  EXPECT_THAT(SearchIds(tag_ + "50x"), ElementsAre(plain));
}

TEST_F(UserSearchTest, UsersWithoutAKeyAreListedAndKeyedOnce) {
  // Every miniter server keys unkeyed rows when it starts, and servers of
  // other tests start against this database at any moment: one may key
  // this test's row (as NameKey(name), i.e. tag_ + "strasse") before the
  // test does. That is detected and the scenario tried again with a new
  // row; another test's rows are never touched.
  bool done = false;
  for (int attempt = 0; attempt < 5 && !done; ++attempt) {
    const UserId unkeyed = MustCreate(tag_ + "Straße", "");
    auto keyed_by_a_server = [&] {
      std::vector<UserId> ids = SearchIds(tag_ + "strasse");
      return ids.size() == 1 && ids[0] == unkeyed;
    };
    absl::StatusOr<std::vector<UnkeyedUser>> missing =
        storage_.users->ListUsersWithoutNameKey(500);
    ASSERT_TRUE(missing.ok()) << missing.status();
    const UnkeyedUser* listed = nullptr;
    for (const UnkeyedUser& user : *missing) {
      if (user.id == unkeyed) listed = &user;
    }
    if (listed == nullptr) {
      ASSERT_TRUE(keyed_by_a_server())
          << "an unkeyed row is neither listed nor keyed";
      continue;
    }
    EXPECT_EQ(listed->name, tag_ + "Straße");
    ASSERT_TRUE(storage_.users->SetMissingNameKey(unkeyed, tag_ + "mine").ok());
    if (SearchIds(tag_ + "mine").empty()) {
      ASSERT_TRUE(keyed_by_a_server()) << "SetMissingNameKey set nothing";
      continue;
    }
    // A second fill does not overwrite the key.
    ASSERT_TRUE(
        storage_.users->SetMissingNameKey(unkeyed, tag_ + "other").ok());
    EXPECT_THAT(SearchIds(tag_ + "mine"), ElementsAre(unkeyed));
    EXPECT_TRUE(SearchIds(tag_ + "other").empty());
    done = true;
  }
  EXPECT_TRUE(done) << "servers of other tests keyed the row five times";
}

TEST_F(UserSearchTest, BothSearchStatementsReadOneRangeOfTheNameKeyIndex) {
  for (int i = 0; i < 50; ++i) MustCreate("x", absl::StrCat(tag_, i));
  auto connection = OpenConnection();
  ASSERT_TRUE(connection.ok()) << connection.status();
  for (bool next_page : {false, true}) {
    sql::PreparedStatement& explain =
        (*connection)
            ->Prepare(absl::StrCat(
                "EXPLAIN ", next_page ? mysql::kSearchUsersNextPageSql
                                      : mysql::kSearchUsersFirstPageSql));
    unsigned int p = 1;
    explain.setString(p++, tag_ + "1%");
    if (next_page) {
      explain.setString(p++, tag_ + "1");
      explain.setString(p++, tag_ + "1");
      explain.setUInt64(p++, 1);
    }
    explain.setInt(p, 20);
    std::unique_ptr<sql::ResultSet> rows(explain.executeQuery());
    ASSERT_TRUE(rows->next());
    EXPECT_EQ(rows->getString("type"), "range") << next_page;
    EXPECT_EQ(rows->getString("key"), "ix_users_name_key_id") << next_page;
    EXPECT_THAT(std::string(rows->getString("Extra")),
                Not(HasSubstr("filesort")))
        << next_page;
    EXPECT_FALSE(rows->next());
  }
}

TEST_F(UserSearchTest, CountsChangeOnlyWhenAnEdgeDoes) {
  const UserId ann = MustCreate("ann", tag_ + "ann");
  const UserId bob = MustCreate("bob", tag_ + "bob");
  const UserId cy = MustCreate("cy", tag_ + "cy");
  using Pair = std::pair<std::uint64_t, std::uint64_t>;
  EXPECT_EQ(Counts(ann), Pair(0, 0));
  ASSERT_TRUE(storage_.follows->Follow(ann, bob).ok());
  ASSERT_TRUE(storage_.follows->Follow(ann, bob).ok());  // already: no change
  ASSERT_TRUE(storage_.follows->Follow(cy, bob).ok());
  ASSERT_TRUE(storage_.follows->Follow(bob, ann).ok());
  EXPECT_EQ(Counts(ann), Pair(1, 1));
  EXPECT_EQ(Counts(bob), Pair(2, 1));
  EXPECT_EQ(Counts(cy), Pair(0, 1));
  ASSERT_TRUE(storage_.follows->Unfollow(ann, bob).ok());
  ASSERT_TRUE(storage_.follows->Unfollow(ann, bob).ok());  // gone: no change
  ASSERT_TRUE(storage_.follows->Unfollow(ann, cy).ok());   // never was
  EXPECT_EQ(Counts(ann), Pair(1, 0));
  EXPECT_EQ(Counts(bob), Pair(1, 1));
  ASSERT_TRUE(storage_.follows->Follow(ann, bob).ok());  // again
  EXPECT_EQ(Counts(ann), Pair(1, 1));
  EXPECT_EQ(Counts(bob), Pair(2, 1));
  // Unknown users change nothing and are NOT_FOUND.
  EXPECT_EQ(storage_.follows->Follow(ann, 999999999999).code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(Counts(ann), Pair(1, 1));
  EXPECT_EQ(storage_.users->GetUserProfile(999999999999).status().code(),
            absl::StatusCode::kNotFound);
  absl::StatusOr<UserProfile> profile = storage_.users->GetUserProfile(ann);
  ASSERT_TRUE(profile.ok());
  EXPECT_EQ(profile->user.name, "ann");
  EXPECT_THAT(profile->user.email, HasSubstr("@example.com"));
}

}  // namespace
}  // namespace miniter::storage
