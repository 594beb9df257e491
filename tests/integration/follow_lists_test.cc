// follow_lists_test.cc: ListFollowing, ListFollowers and UserTweets on the
// real server and MariaDB: paging returns each account or tweet exactly
// once, newest first, while edges are added and removed and tweets posted
// between pages; an account followed again moves to the front; e-mails
// only for the caller; NOT_FOUND; a token refused by another RPC or user.
#include <algorithm>
#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/shared_server_fixture.h"
#include "tests/integration/test_environment.h"

namespace miniter::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;

constexpr std::uint64_t kUnknownUser = 18446744073709551615ull;
const std::vector<std::string> kRpcs = {"following", "followers", "tweets"};

class FollowListsTest : public SharedServerFixture {
 protected:
  std::vector<TestUser> SignUpMany(const std::string& prefix, int count) {
    std::vector<TestUser> users;
    for (int i = 0; i < count; ++i) {
      users.push_back(SignUpAndLogin(*stub_, prefix + std::to_string(i)));
    }
    return users;
  }

  void Follow(const TestUser& user, std::uint64_t target) {
    v1::FollowRequest request;
    request.set_user_id(target);
    v1::FollowResponse response;
    grpc::Status status =
        stub_->Follow(Context(user.token).get(), request, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }

  void Unfollow(const TestUser& user, std::uint64_t target) {
    v1::UnfollowRequest request;
    request.set_user_id(target);
    v1::UnfollowResponse response;
    grpc::Status status =
        stub_->Unfollow(Context(user.token).get(), request, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }

  std::uint64_t PostTweet(const TestUser& user, const std::string& text) {
    v1::TweetRequest request;
    request.set_text(text);
    v1::TweetResponse response;
    grpc::Status status =
        stub_->Tweet(Context(user.token).get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.tweet().id();
  }

  // One page of `rpc` ("following", "followers" or "tweets"): the ids
  // (users or tweets) and the next token; `status` gets the call's status.
  struct Page {
    std::vector<std::uint64_t> ids;
    std::vector<std::string> emails;
    std::string next;
    grpc::Status status;
  };
  Page Read(const std::string& rpc, const TestUser& reader,
            std::uint64_t user_id, int page_size = 0,
            const std::string& page_token = "") {
    Page page;
    auto fill = [&](const auto& request_template, auto call, auto& response) {
      auto request = request_template;
      request.set_user_id(user_id);
      request.set_page_size(page_size);
      request.set_page_token(page_token);
      page.status = call(Context(reader.token).get(), request, &response);
      page.next = response.next_page_token();
    };
    if (rpc == "tweets") {
      v1::UserTweetsResponse response;
      fill(
          v1::UserTweetsRequest(),
          [this](auto* c, const auto& r, auto* o) {
            return stub_->UserTweets(c, r, o);
          },
          response);
      for (const v1::Tweet& tweet : response.tweets()) {
        page.ids.push_back(tweet.id());
      }
      return page;
    }
    auto users = [&page](const auto& response) {
      for (const v1::User& user : response.users()) {
        page.ids.push_back(user.id());
        page.emails.push_back(user.email());
      }
    };
    if (rpc == "following") {
      v1::ListFollowingResponse response;
      fill(
          v1::ListFollowingRequest(),
          [this](auto* c, const auto& r, auto* o) {
            return stub_->ListFollowing(c, r, o);
          },
          response);
      users(response);
    } else {
      v1::ListFollowersResponse response;
      fill(
          v1::ListFollowersRequest(),
          [this](auto* c, const auto& r, auto* o) {
            return stub_->ListFollowers(c, r, o);
          },
          response);
      users(response);
    }
    return page;
  }

  // Every page of `rpc` for `user_id`, `between` called after each page
  // (with the page number, from 0); stops after 100 pages.
  std::vector<std::uint64_t> ReadAll(
      const std::string& rpc, const TestUser& reader, std::uint64_t user_id,
      int page_size, const std::function<void(int)>& between = nullptr) {
    std::vector<std::uint64_t> seen;
    std::string token;
    for (int page_number = 0; page_number < 100; ++page_number) {
      Page page = Read(rpc, reader, user_id, page_size, token);
      EXPECT_TRUE(page.status.ok()) << page.status.error_message();
      EXPECT_LE(page.ids.size(), static_cast<std::size_t>(page_size));
      seen.insert(seen.end(), page.ids.begin(), page.ids.end());
      token = page.next;
      if (token.empty()) break;
      if (between) between(page_number);
    }
    return seen;
  }

  static std::vector<std::uint64_t> IdsOf(const std::vector<TestUser>& users) {
    std::vector<std::uint64_t> ids;
    for (const TestUser& user : users) ids.push_back(user.id);
    return ids;
  }
};

TEST_F(FollowListsTest, FollowersEachOnceNewestFirstWhileEdgesChange) {
  TestUser star = SignUpAndLogin(*stub_, "star");
  std::vector<TestUser> fans = SignUpMany("fan", 23);
  for (const TestUser& fan : fans) Follow(fan, star.id);
  std::vector<TestUser> late = SignUpMany("late fan", 5);

  // Pages of 5, newest follower first: fans 22..18, then 17..13, ...
  // Between pages: a new follower arrives (the front: never in the pages
  // ahead), a fan not yet shown leaves (never shown), and a fan already
  // shown unfollows and follows again (moves to the front: not repeated).
  // Fans 0, 1 and 2 leave after pages 0, 1 and 2, so page 3 (fans 7..3)
  // is the last.
  std::set<std::uint64_t> gone;
  int changes = 0;
  std::vector<std::uint64_t> seen =
      ReadAll("followers", star, star.id, 5, [&](int page) {
        ++changes;
        Follow(late[page], star.id);
        const TestUser& leaving = fans[static_cast<std::size_t>(page)];
        Unfollow(leaving, star.id);
        gone.insert(leaving.id);
        const TestUser& back = fans[22 - static_cast<std::size_t>(page)];
        Unfollow(back, star.id);
        Follow(back, star.id);
      });
  std::vector<std::uint64_t> expected;
  for (auto it = fans.rbegin(); it != fans.rend(); ++it) {
    if (gone.count(it->id) == 0) expected.push_back(it->id);
  }
  EXPECT_THAT(seen, ElementsAreArray(expected));

  // A fresh walk sees the list as it is now: the refollowed and the late,
  // most recent first, then the rest.
  EXPECT_EQ(changes, 3);
  std::vector<std::uint64_t> now = ReadAll("followers", star, star.id, 7);
  EXPECT_EQ(now.size(), expected.size() + 3);
  EXPECT_EQ(std::set<std::uint64_t>(now.begin(), now.end()).size(), now.size());
  // The last refollowed, then the late fan who came just before.
  ASSERT_GE(now.size(), 2u);
  EXPECT_EQ(now[0], fans[20].id);
  EXPECT_EQ(now[1], late[2].id);
}

TEST_F(FollowListsTest, FollowingEachOnceNewestFirstWhileEdgesChange) {
  TestUser reader = SignUpAndLogin(*stub_, "reader");
  std::vector<TestUser> idols = SignUpMany("idol", 13);
  for (const TestUser& idol : idols) Follow(reader, idol.id);
  std::vector<TestUser> more = SignUpMany("new idol", 4);
  std::set<std::uint64_t> gone;
  std::vector<std::uint64_t> seen =
      ReadAll("following", reader, reader.id, 4, [&](int page) {
        Follow(reader, more[page].id);
        Unfollow(reader, idols[static_cast<std::size_t>(page)].id);
        gone.insert(idols[static_cast<std::size_t>(page)].id);
      });
  std::vector<std::uint64_t> expected;
  for (auto it = idols.rbegin(); it != idols.rend(); ++it) {
    if (gone.count(it->id) == 0) expected.push_back(it->id);
  }
  EXPECT_THAT(seen, ElementsAreArray(expected));
}

TEST_F(FollowListsTest, RefollowMovesToTheFrontAndARepeatedFollowDoesNot) {
  TestUser user = SignUpAndLogin(*stub_, "refollower");
  std::vector<TestUser> others = SignUpMany("other", 3);
  for (const TestUser& other : others) Follow(user, other.id);
  const std::uint64_t a = others[0].id;
  const std::uint64_t b = others[1].id;
  const std::uint64_t c = others[2].id;
  EXPECT_THAT(Read("following", user, 0).ids, ElementsAre(c, b, a));
  Follow(user, a);  // already following: keeps its place
  EXPECT_THAT(Read("following", user, 0).ids, ElementsAre(c, b, a));
  Unfollow(user, a);
  EXPECT_THAT(Read("following", user, 0).ids, ElementsAre(c, b));
  Follow(user, a);
  EXPECT_THAT(Read("following", user, 0).ids, ElementsAre(a, c, b));
  // The same edge, seen from the other side.
  EXPECT_EQ(Read("followers", user, a).ids.front(), user.id);
}

TEST_F(FollowListsTest, UserTweetsEachOnceNewestFirstWhileTweetsArrive) {
  TestUser author = SignUpAndLogin(*stub_, "author");
  TestUser friend_ = SignUpAndLogin(*stub_, "friend");
  Follow(author, friend_.id);
  std::vector<std::uint64_t> posted;
  for (int i = 0; i < 23; ++i) {
    posted.push_back(PostTweet(author, "mine " + std::to_string(i)));
    PostTweet(friend_, "theirs " + std::to_string(i));  // not the author's
  }
  std::vector<std::uint64_t> seen =
      ReadAll("tweets", friend_, author.id, 5,
              [&](int) { PostTweet(author, "arrived while paging"); });
  EXPECT_THAT(seen, ElementsAreArray(posted.rbegin(), posted.rend()));
  // Without a user_id: the caller's own, the newest being the last posted.
  Page own = Read("tweets", author, 0, 1);
  ASSERT_EQ(own.ids.size(), 1u);
  EXPECT_GT(own.ids.front(), posted.back());
}

TEST_F(FollowListsTest, EmailsOnlyForTheCaller) {
  TestUser star = SignUpAndLogin(*stub_, "mail star");
  TestUser fan = SignUpAndLogin(*stub_, "mail fan");
  TestUser other = SignUpAndLogin(*stub_, "mail other");
  Follow(fan, star.id);
  Follow(other, star.id);
  Page seen_by_fan = Read("followers", fan, star.id);
  ASSERT_THAT(seen_by_fan.ids, ElementsAre(other.id, fan.id));
  EXPECT_THAT(seen_by_fan.emails, ElementsAre("", fan.email));
  Page seen_by_star = Read("followers", star, 0);
  EXPECT_THAT(seen_by_star.emails, ElementsAre("", ""));
}

TEST_F(FollowListsTest, ErrorsAndTokensBoundToTheirRpcAndUser) {
  TestUser user = SignUpAndLogin(*stub_, "lists errors");
  std::vector<TestUser> others = SignUpMany("lists other", 3);
  for (const TestUser& other : others) {
    Follow(user, other.id);
    Follow(other, user.id);
    PostTweet(user, "tweet");
  }
  for (const std::string& rpc : kRpcs) {
    SCOPED_TRACE(rpc);
    Page unknown = Read(rpc, user, kUnknownUser);
    EXPECT_EQ(unknown.status.error_code(), grpc::StatusCode::NOT_FOUND);
    EXPECT_THAT(unknown.status.error_message(), HasSubstr("no user"));
    for (int size : {-1, 101}) {
      EXPECT_EQ(Read(rpc, user, 0, size).status.error_code(),
                grpc::StatusCode::INVALID_ARGUMENT);
    }
    EXPECT_EQ(Read(rpc, user, 0, 10, "not-a-token").status.error_code(),
              grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_TRUE(Read(rpc, user, 0, 100).status.ok());
    // A user with nothing in the list: an empty page, no token.
    Page empty = Read(rpc, others[0], others[1].id);
    EXPECT_TRUE(empty.status.ok());
    if (rpc == "tweets") {
      EXPECT_TRUE(empty.ids.empty());
      EXPECT_TRUE(empty.next.empty());
    }

    // This RPC's token for `user`: fine for `user` (and any reader),
    // refused for another user_id and by the other RPCs.
    const std::string token = Read(rpc, user, user.id, 1).next;
    ASSERT_FALSE(token.empty());
    EXPECT_TRUE(Read(rpc, others[2], user.id, 1, token).status.ok());
    Page other_user = Read(rpc, user, others[0].id, 1, token);
    EXPECT_EQ(other_user.status.error_code(),
              grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_THAT(other_user.status.error_message(), HasSubstr("user_id"));
    for (const std::string& other_rpc : kRpcs) {
      if (other_rpc == rpc) continue;
      EXPECT_EQ(Read(other_rpc, user, user.id, 1, token).status.error_code(),
                grpc::StatusCode::INVALID_ARGUMENT)
          << other_rpc;
    }
    v1::TimelineRequest timeline;
    timeline.set_user_id(user.id);
    timeline.set_page_token(token);
    v1::TimelineResponse response;
    EXPECT_EQ(stub_->Timeline(Context(user.token).get(), timeline, &response)
                  .error_code(),
              grpc::StatusCode::INVALID_ARGUMENT);
  }
  // And Timeline's token is none of theirs.
  v1::TimelineRequest timeline;
  timeline.set_page_size(1);
  v1::TimelineResponse response;
  ASSERT_TRUE(
      stub_->Timeline(Context(user.token).get(), timeline, &response).ok());
  ASSERT_FALSE(response.next_page_token().empty());
  for (const std::string& rpc : kRpcs) {
    EXPECT_EQ(Read(rpc, user, user.id, 1, response.next_page_token())
                  .status.error_code(),
              grpc::StatusCode::INVALID_ARGUMENT)
        << rpc;
  }
}

}  // namespace
}  // namespace miniter::testing
