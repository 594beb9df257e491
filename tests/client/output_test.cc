// output_test.cc: the wording of the CLI's output, without a server.
#include "client/output.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace miniter::client {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

miniter::v1::Tweet MakeTweet(uint64_t id, uint64_t author, std::string name,
                             std::string text, int64_t seconds) {
  miniter::v1::Tweet tweet;
  tweet.set_id(id);
  tweet.set_author_id(author);
  tweet.set_author_name(std::move(name));
  tweet.set_text(std::move(text));
  tweet.mutable_created_at()->set_seconds(seconds);
  return tweet;
}

TEST(OutputTest, FormatsTimestampsInUtc) {
  google::protobuf::Timestamp t;
  t.set_seconds(1795694401);
  EXPECT_EQ(FormatTimestamp(t), "2026-11-26 12:00:01 UTC");
  EXPECT_EQ(FormatTimestamp(google::protobuf::Timestamp()), "-");
}

TEST(OutputTest, FormatsTimelineWithNextPageCommand) {
  miniter::v1::TimelineRequest request;
  request.set_user_id(3);
  miniter::v1::TimelineResponse response;
  *response.add_tweets() = MakeTweet(12, 3, "Ann", "hello\nworld", 1795694401);
  *response.add_tweets() = MakeTweet(7, 5, "Bob", "hi", 1795694000);
  response.set_next_page_token("abc_DEF-12");

  EXPECT_EQ(FormatTimeline(request, response, ""),
            "#12  Ann (user 3)  2026-11-26 12:00:01 UTC\n"
            "    hello\n"
            "    world\n"
            "#7  Bob (user 5)  2026-11-26 11:53:20 UTC\n"
            "    hi\n"
            "next page: miniter timeline --user_id=3 "
            "--page_token=abc_DEF-12\n");
}

TEST(OutputTest, NextPageCommandRepeatsServerAndPageSizeAndQuotes) {
  miniter::v1::TimelineRequest request;
  request.set_page_size(5);
  miniter::v1::TimelineResponse response;
  *response.add_tweets() = MakeTweet(1, 3, "Ann", "x", 1795694401);
  response.set_next_page_token("a b'c");
  std::string out = FormatTimeline(request, response, "example.org:50051");
  EXPECT_THAT(out, HasSubstr("next page: miniter timeline "
                             "--server=example.org:50051 --page_size=5 "
                             "--page_token='a b'\\''c'\n"));
  EXPECT_THAT(out, Not(HasSubstr("--user_id")));
}

TEST(OutputTest, EmptyTimelines) {
  miniter::v1::TimelineRequest request;
  EXPECT_EQ(FormatTimeline(request, {}, ""), "(no tweets)\n");
  request.set_page_token("t");
  EXPECT_EQ(FormatTimeline(request, {}, ""), "(no more tweets)\n");
}

TEST(OutputTest, ControlCharactersFromOtherUsersAreDefused) {
  EXPECT_EQ(SanitizeForTerminal("a\x1b]0;pwned\x07z", true),
            "a\\x1b]0;pwned\\x07z");
  EXPECT_EQ(SanitizeForTerminal("line1\nline2", true), "line1\nline2");
  EXPECT_EQ(SanitizeForTerminal("line1\nline2", false), "line1\\x0aline2");
  EXPECT_EQ(SanitizeForTerminal("\xc2\x9b"
                                "31m",
                                true),
            "\\u009b31m");
  // Ordinary UTF-8 passes through untouched.
  EXPECT_EQ(SanitizeForTerminal("h\xc3\xa9llo \xf0\x9f\x90\xa6", true),
            "h\xc3\xa9llo \xf0\x9f\x90\xa6");

  miniter::v1::TimelineResponse response;
  *response.add_tweets() = MakeTweet(1, 3, "Evil\x1b[2J", "x", 1795694401);
  EXPECT_THAT(FormatTimeline({}, response, ""), HasSubstr("Evil\\x1b[2J"));
}

TEST(OutputTest, SignUpLoginAndTweetLines) {
  miniter::v1::SignUpResponse signup;
  signup.mutable_user()->set_id(3);
  signup.mutable_user()->set_name("Ann");
  signup.mutable_user()->set_email("ann@example.com");
  EXPECT_EQ(FormatSignUp(signup),
            "signed up: user 3 \"Ann\" <ann@example.com>\n");

  miniter::v1::LoginResponse login;
  login.set_access_token("SECRET");
  login.set_user_id(3);
  login.mutable_expires_at()->set_seconds(1795780800);
  std::string line = FormatLogin(login, "/home/ann/.config/miniter/token");
  EXPECT_EQ(line,
            "logged in as user 3; token saved to "
            "/home/ann/.config/miniter/token (expires 2026-11-27 12:00:00 "
            "UTC)\n");
  EXPECT_THAT(line, Not(HasSubstr("SECRET")));

  miniter::v1::TweetResponse tweet;
  *tweet.mutable_tweet() = MakeTweet(12, 3, "", "hi", 1795694401);
  EXPECT_EQ(FormatTweet(tweet), "tweeted #12 at 2026-11-26 12:00:01 UTC\n");
}

TEST(OutputTest, JsonUsesProtoFieldNames) {
  miniter::v1::TimelineResponse response;
  *response.add_tweets() = MakeTweet(12, 3, "Ann", "hi", 1795694401);
  response.set_next_page_token("t");
  absl::StatusOr<std::string> json = ToJson(response);
  ASSERT_TRUE(json.ok()) << json.status();
  EXPECT_THAT(*json, HasSubstr("\"next_page_token\":\"t\""));
  EXPECT_THAT(*json, HasSubstr("\"author_name\":\"Ann\""));
  EXPECT_THAT(*json, HasSubstr("\"id\":\"12\""));  // 64-bit ids are strings
  EXPECT_THAT(*json, HasSubstr("\"created_at\":\"2026-11-26T12:00:01Z\""));
}

TEST(OutputTest, ShellQuoteLeavesSafeWordsAlone) {
  EXPECT_EQ(ShellQuote("abc-_.=:/+"), "abc-_.=:/+");
  EXPECT_EQ(ShellQuote(""), "''");
  EXPECT_EQ(ShellQuote("$(rm -rf)"), "'$(rm -rf)'");
}

TEST(OutputTest, UserListsShowAnEmailOnlyWhenThereIsOne) {
  google::protobuf::RepeatedPtrField<miniter::v1::User> users;
  miniter::v1::User* bob = users.Add();
  bob->set_id(5);
  bob->set_name("Bob\x1b[2J");
  miniter::v1::User* ann = users.Add();
  ann->set_id(3);
  ann->set_name("Ann");
  ann->set_email("ann@example.com");
  EXPECT_EQ(FormatUserList("followers", 7, 0, true, users, "t'k", "h:1"),
            "user 5 \"Bob\\x1b[2J\"\n"
            "user 3 \"Ann\" <ann@example.com>\n"
            "next page: miniter followers --server=h:1 --user_id=7 "
            "--page_token='t'\\''k'\n");
  users.Clear();
  EXPECT_EQ(FormatUserList("following", 0, 0, true, users, "", ""),
            "(nobody)\n");
  EXPECT_EQ(FormatUserList("following", 0, 5, false, users, "", ""),
            "(no more users)\n");
}

TEST(OutputTest, UserTweetsReadLikeATimelineWithTheirOwnCommand) {
  miniter::v1::UserTweetsRequest request;
  request.set_user_id(3);
  request.set_page_size(1);
  miniter::v1::UserTweetsResponse response;
  *response.add_tweets() = MakeTweet(12, 3, "Ann", "hello", 1795694401);
  response.set_next_page_token("abc");
  EXPECT_EQ(FormatUserTweets(request, response, ""),
            "#12  Ann (user 3)  2026-11-26 12:00:01 UTC\n"
            "    hello\n"
            "next page: miniter tweets --user_id=3 --page_size=1 "
            "--page_token=abc\n");
  request.set_page_token("abc");
  EXPECT_EQ(FormatUserTweets(request, {}, ""), "(no more tweets)\n");
}

}  // namespace
}  // namespace miniter::client
