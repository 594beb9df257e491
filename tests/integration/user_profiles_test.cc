// user_profiles_test.cc: GetUser and SearchUsers on the real server and a
// real MariaDB: Korean and case-folded prefix search, paging through many
// matches, LIKE metacharacters, who sees an e-mail address, follow counts
// after follow, unfollow and refollow, NOT_FOUND and bad input, and users
// from before migration 0006 found once a server has started.
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/storage/mysql/mysql_storage.h"
#include "tests/integration/shared_server_fixture.h"
#include "tests/integration/test_environment.h"

namespace miniter::testing {
namespace {

using ::testing::HasSubstr;
using v1::Miniter;

class UserProfilesTest : public SharedServerFixture {
 protected:
  void SetUp() override {
    SharedServerFixture::SetUp();
    // Random digits between letters: no other test's tag starts with it.
    const std::string email = UniqueEmail("p");
    tag_ = absl::StrCat("q", email.substr(2, email.find('@') - 2), "q");
  }

  grpc::Status GetUser(const TestUser& reader, std::uint64_t id,
                       v1::GetUserResponse* response) {
    v1::GetUserRequest request;
    request.set_user_id(id);
    return stub_->GetUser(Context(reader.token).get(), request, response);
  }

  v1::GetUserResponse MustGetUser(const TestUser& reader, std::uint64_t id) {
    v1::GetUserResponse response;
    grpc::Status status = GetUser(reader, id, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  }

  grpc::Status Search(const TestUser& reader, const std::string& query,
                      int page_size, const std::string& page_token,
                      v1::SearchUsersResponse* response) {
    v1::SearchUsersRequest request;
    request.set_query(query);
    request.set_page_size(page_size);
    request.set_page_token(page_token);
    return stub_->SearchUsers(Context(reader.token).get(), request, response);
  }

  // Every user found for `query`, paging `page_size` at a time.
  std::vector<v1::User> SearchAll(const TestUser& reader,
                                  const std::string& query,
                                  int page_size = 100) {
    std::vector<v1::User> all;
    std::string token;
    for (int pages = 0; pages < 1000; ++pages) {
      v1::SearchUsersResponse page;
      grpc::Status status = Search(reader, query, page_size, token, &page);
      EXPECT_TRUE(status.ok()) << status.error_message();
      if (!status.ok()) break;
      EXPECT_LE(page.users_size(), page_size);
      all.insert(all.end(), page.users().begin(), page.users().end());
      token = page.next_page_token();
      if (token.empty()) break;
    }
    return all;
  }

  std::set<std::uint64_t> FoundIds(const TestUser& reader,
                                   const std::string& query) {
    std::set<std::uint64_t> ids;
    for (const v1::User& user : SearchAll(reader, query)) ids.insert(user.id());
    return ids;
  }

  grpc::Status FollowOrNot(const TestUser& user, std::uint64_t target,
                           bool follow) {
    if (follow) {
      v1::FollowRequest request;
      request.set_user_id(target);
      v1::FollowResponse response;
      return stub_->Follow(Context(user.token).get(), request, &response);
    }
    v1::UnfollowRequest request;
    request.set_user_id(target);
    v1::UnfollowResponse response;
    return stub_->Unfollow(Context(user.token).get(), request, &response);
  }

  std::string tag_;
};

TEST_F(UserProfilesTest, KoreanAndCaseFoldedPrefixesFindTheName) {
  TestUser korean = SignUpAndLogin(*stub_, "변성윤");
  TestUser ann = SignUpAndLogin(*stub_, "Ann");
  TestUser strasse = SignUpAndLogin(*stub_, "Straße " + tag_);
  EXPECT_EQ(FoundIds(ann, "변").count(korean.id), 1u);
  EXPECT_EQ(FoundIds(ann, "변성윤").count(korean.id), 1u);
  EXPECT_EQ(FoundIds(ann, "성").count(korean.id), 0u);
  for (const char* query : {"ann", "ANN", "Ann", "a"}) {
    EXPECT_EQ(FoundIds(korean, query).count(ann.id), 1u) << query;
  }
  EXPECT_EQ(FoundIds(korean, "anna").count(ann.id), 0u);
  for (const std::string& query : {"strasse " + tag_, "STRASSE " + tag_,
                                   "Straße " + tag_, std::string("strass")}) {
    EXPECT_EQ(FoundIds(ann, query).count(strasse.id), 1u) << query;
  }
  // Leading spaces are part of the prefix.
  EXPECT_EQ(FoundIds(ann, " ann").count(ann.id), 0u);
}

TEST_F(UserProfilesTest, PagingThroughManyMatchesReturnsEachUserOnce) {
  std::set<std::uint64_t> want;
  TestUser reader = SignUpAndLogin(*stub_, "Reader");
  for (int i = 0; i < 23; ++i) {
    // Case differences and equal names: order is by folded name, then id.
    const std::string name =
        absl::StrCat(i % 2 ? "Pager " : "PAGER ", tag_, " ", i % 5);
    want.insert(SignUpAndLogin(*stub_, name).id);
  }
  for (int page_size : {1, 4, 100}) {
    std::vector<v1::User> all = SearchAll(reader, "pager " + tag_, page_size);
    std::set<std::uint64_t> seen;
    for (const v1::User& user : all) {
      EXPECT_TRUE(seen.insert(user.id()).second) << "repeated " << user.id();
      EXPECT_EQ(user.email(), "") << "another user's e-mail";
    }
    EXPECT_EQ(seen, want) << "page size " << page_size;
    ASSERT_EQ(all.size(), want.size());
    for (std::size_t i = 1; i < all.size(); ++i) {
      const std::string previous = all[i - 1].name().substr(6);
      const std::string current = all[i].name().substr(6);
      EXPECT_TRUE(previous < current ||
                  (previous == current && all[i - 1].id() < all[i].id()))
          << all[i - 1].name() << " before " << all[i].name();
    }
  }
  // The default page is 20.
  v1::SearchUsersResponse page;
  ASSERT_TRUE(Search(reader, "pager " + tag_, 0, "", &page).ok());
  EXPECT_EQ(page.users_size(), 20);
  EXPECT_FALSE(page.next_page_token().empty());
}

TEST_F(UserProfilesTest, LikeMetacharactersAreMatchedLiterally) {
  TestUser literal = SignUpAndLogin(*stub_, tag_ + "50%_off");
  TestUser other = SignUpAndLogin(*stub_, tag_ + "50xyoff");
  TestUser bang = SignUpAndLogin(*stub_, tag_ + "50!\\x");
  EXPECT_EQ(FoundIds(other, tag_ + "50%_"),
            std::set<std::uint64_t>({literal.id}));
  EXPECT_EQ(FoundIds(other, tag_ + "50__"), std::set<std::uint64_t>());
  EXPECT_EQ(FoundIds(other, tag_ + "50%"),
            std::set<std::uint64_t>({literal.id}));
  EXPECT_EQ(FoundIds(other, tag_ + "50!\\"),
            std::set<std::uint64_t>({bang.id}));
  EXPECT_EQ(FoundIds(other, tag_ + "5").size(), 3u);
}

TEST_F(UserProfilesTest, TheEmailIsShownOnlyOnTheCallersOwnProfile) {
  TestUser ann = SignUpAndLogin(*stub_, "Own " + tag_);
  TestUser bob = SignUpAndLogin(*stub_, "Other " + tag_);
  v1::GetUserResponse own = MustGetUser(ann, 0);
  EXPECT_EQ(own.user().id(), ann.id);
  EXPECT_EQ(own.user().email(), ann.email);
  EXPECT_EQ(own.user().name(), ann.name);
  EXPECT_GT(own.user().created_at().seconds(), 0);
  EXPECT_EQ(MustGetUser(ann, ann.id).user().email(), ann.email);
  v1::GetUserResponse seen_by_bob = MustGetUser(bob, ann.id);
  EXPECT_EQ(seen_by_bob.user().email(), "");
  EXPECT_EQ(seen_by_bob.user().name(), ann.name);
  // In search results too.
  for (const v1::User& user : SearchAll(ann, "own " + tag_)) {
    EXPECT_EQ(user.email(), ann.email);
  }
  for (const v1::User& user : SearchAll(bob, "own " + tag_)) {
    EXPECT_EQ(user.email(), "");
  }
}

TEST_F(UserProfilesTest, CountsFollowFollowsUnfollowsAndRefollows) {
  TestUser ann = SignUpAndLogin(*stub_, "Ann");
  TestUser bob = SignUpAndLogin(*stub_, "Bob");
  TestUser cy = SignUpAndLogin(*stub_, "Cy");
  auto counts = [&](const TestUser& user) {
    v1::GetUserResponse profile = MustGetUser(cy, user.id);
    return std::make_pair(profile.follower_count(), profile.following_count());
  };
  using Pair = std::pair<std::uint64_t, std::uint64_t>;
  EXPECT_EQ(counts(ann), Pair(0, 0));
  ASSERT_TRUE(FollowOrNot(ann, bob.id, true).ok());
  ASSERT_TRUE(FollowOrNot(ann, bob.id, true).ok());  // already following
  ASSERT_TRUE(FollowOrNot(cy, bob.id, true).ok());
  EXPECT_EQ(counts(ann), Pair(0, 1));
  EXPECT_EQ(counts(bob), Pair(2, 0));
  ASSERT_TRUE(FollowOrNot(ann, bob.id, false).ok());
  ASSERT_TRUE(FollowOrNot(ann, bob.id, false).ok());  // not following
  ASSERT_TRUE(FollowOrNot(ann, cy.id, false).ok());   // never followed
  EXPECT_EQ(counts(ann), Pair(0, 0));
  EXPECT_EQ(counts(bob), Pair(1, 0));
  EXPECT_EQ(counts(cy), Pair(0, 1));
  ASSERT_TRUE(FollowOrNot(ann, bob.id, true).ok());  // refollow
  EXPECT_EQ(counts(ann), Pair(0, 1));
  EXPECT_EQ(counts(bob), Pair(2, 0));
}

TEST_F(UserProfilesTest, UnknownUserIsNotFoundAndBadSearchesAreRefused) {
  TestUser ann = SignUpAndLogin(*stub_, "Ann");
  v1::GetUserResponse response;
  grpc::Status status = GetUser(ann, 999999999999, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(status.error_message(), HasSubstr("999999999999"));
  status = stub_->GetUser(Context().get(), v1::GetUserRequest(), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);

  v1::SearchUsersResponse page;
  for (const std::string& query :
       {std::string(), std::string("  "), std::string(256, 'x')}) {
    status = Search(ann, query, 0, "", &page);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_THAT(status.error_message(), HasSubstr("query"));
  }
  for (int page_size : {-1, 101}) {
    status = Search(ann, "ann", page_size, "", &page);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_THAT(status.error_message(), HasSubstr("page_size"));
  }
  // A token of one query is refused for another.
  ASSERT_TRUE(Search(ann, "a", 1, "", &page).ok());
  ASSERT_FALSE(page.next_page_token().empty());
  const std::string token = page.next_page_token();
  EXPECT_TRUE(Search(ann, "A", 1, token, &page).ok());  // same folded query
  status = Search(ann, "b", 1, token, &page);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("page_token"));
}

TEST_F(UserProfilesTest, UsersFromBeforeTheMigrationAreFoundAfterAStart) {
  // A row as migration 0006 leaves it: no search key (written through the
  // store with an empty key, which it stores as missing).
  app::ServerOptions options = TestServerOptions(TestDatabaseUrl());
  absl::StatusOr<storage::MySqlStorage> storage =
      storage::OpenMySqlStorage(options.database);
  ASSERT_TRUE(storage.ok()) << storage.status();
  storage::NewUser old;
  old.name = "Straße Alt " + tag_;
  old.email = UniqueEmail("old");
  old.email_key = old.email;
  old.password_hash = "$argon2id$v=19$m=65536,t=2,p=1$c2FsdA$aGFzaA";
  absl::StatusOr<storage::UserRecord> created = storage->users->CreateUser(old);
  ASSERT_TRUE(created.ok()) << created.status();
  TestUser reader = SignUpAndLogin(*stub_, "Reader");

  // A server's start-up gives it its key. (Not checked unfound before:
  // servers of other tests start against this database at any moment and
  // key it too, with the same code.)
  absl::StatusOr<std::unique_ptr<app::MiniterServer>> restarted =
      app::MiniterServer::Start(options);
  ASSERT_TRUE(restarted.ok()) << restarted.status();
  EXPECT_EQ(FoundIds(reader, "strasse alt " + tag_),
            std::set<std::uint64_t>({created->id}));
  EXPECT_EQ(FoundIds(reader, "STRASSE").count(created->id), 1u);
}

}  // namespace
}  // namespace miniter::testing
