// list_page_token_test.cc: the cursors of ListFollowing, ListFollowers and
// UserTweets round-trip, and a token of one RPC never decodes as another's
// (nor as a Timeline cursor, nor the other way round); altered, truncated,
// foreign-key and retired-key tokens are refused like Timeline's.
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/rules/page_token.h"
#include "server/rules/token_service.h"

namespace miniter::rules {
namespace {

using ::testing::HasSubstr;

PageTokenCodec Codec(char fill = 'k') {
  return *PageTokenCodec::Create(std::string(32, fill));
}

const absl::Time kFollowedAt =
    absl::FromUnixMicros(1'795'694'401'123'456);  // 2026-11-26, with micros

bool IsTokenText(const std::string& token) {
  return token.find_first_not_of(
             "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-"
             "_") == std::string::npos;
}

TEST(ListPageTokenTest, FollowListCursorsRoundTripExactly) {
  const PageTokenCodec codec = Codec();
  for (FollowListKind kind :
       {FollowListKind::kFollowing, FollowListKind::kFollowers}) {
    for (const FollowListCursor& cursor :
         {FollowListCursor{42, kFollowedAt, 7},
          FollowListCursor{18446744073709551615ull, absl::FromUnixMicros(1),
                           18446744073709551615ull}}) {
      const std::string token = codec.EncodeFollowList(kind, cursor);
      EXPECT_EQ(token.size(), 63u);
      EXPECT_TRUE(IsTokenText(token)) << token;
      absl::StatusOr<FollowListCursor> decoded =
          codec.DecodeFollowList(kind, token);
      ASSERT_TRUE(decoded.ok()) << decoded.status();
      EXPECT_EQ(decoded->list_user_id, cursor.list_user_id);
      EXPECT_EQ(decoded->after_followed_at, cursor.after_followed_at);
      EXPECT_EQ(decoded->after_user_id, cursor.after_user_id);
    }
  }
}

TEST(ListPageTokenTest, UserTweetsCursorsRoundTrip) {
  const PageTokenCodec codec = Codec();
  const std::string token = codec.EncodeUserTweets({42, 1000});
  EXPECT_EQ(token.size(), 52u);
  absl::StatusOr<UserTweetsCursor> decoded = codec.DecodeUserTweets(token);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->user_id, 42u);
  EXPECT_EQ(decoded->before_tweet_id, 1000u);
}

TEST(ListPageTokenTest, NoRpcAcceptsAnotherRpcsToken) {
  const PageTokenCodec codec = Codec();
  const std::string following =
      codec.EncodeFollowList(FollowListKind::kFollowing, {42, kFollowedAt, 7});
  const std::string followers =
      codec.EncodeFollowList(FollowListKind::kFollowers, {42, kFollowedAt, 7});
  const std::string user_tweets = codec.EncodeUserTweets({42, 1000});
  const std::string timeline = codec.Encode({42, 1000});

  auto refused = [](const absl::Status& status, const char* rpc) {
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(status.message(), HasSubstr(rpc));
  };
  for (const std::string& token : {followers, user_tweets, timeline}) {
    refused(codec.DecodeFollowList(FollowListKind::kFollowing, token).status(),
            "ListFollowing");
  }
  for (const std::string& token : {following, user_tweets, timeline}) {
    refused(codec.DecodeFollowList(FollowListKind::kFollowers, token).status(),
            "ListFollowers");
  }
  for (const std::string& token : {following, followers, timeline}) {
    refused(codec.DecodeUserTweets(token).status(), "UserTweets");
  }
  for (const std::string& token : {following, followers, user_tweets}) {
    refused(codec.Decode(token).status(), "Timeline");
  }
}

TEST(ListPageTokenTest, RelabellingTheFormatByteBreaksTheSignature) {
  // A UserTweets token has a Timeline token's length; with the first byte
  // changed to Timeline's it still carries a MAC over the old byte.
  const PageTokenCodec codec = Codec();
  std::string bytes;
  ASSERT_TRUE(
      absl::WebSafeBase64Unescape(codec.EncodeUserTweets({42, 1000}), &bytes));
  bytes[0] = '\x03';
  EXPECT_FALSE(codec.Decode(absl::WebSafeBase64Escape(bytes)).ok());
  ASSERT_TRUE(absl::WebSafeBase64Unescape(
      codec.EncodeFollowList(FollowListKind::kFollowing, {42, kFollowedAt, 7}),
      &bytes));
  bytes[0] = '\x12';
  EXPECT_FALSE(codec
                   .DecodeFollowList(FollowListKind::kFollowers,
                                     absl::WebSafeBase64Escape(bytes))
                   .ok());
}

TEST(ListPageTokenTest, EveryAlteredCharacterIsRefused) {
  const PageTokenCodec codec = Codec();
  const std::string token =
      codec.EncodeFollowList(FollowListKind::kFollowers, {42, kFollowedAt, 7});
  // 63 characters carry 47 bytes and 2 bits of padding: the last
  // character's low bits may not matter, so it is left out.
  for (std::size_t i = 0; i + 1 < token.size(); ++i) {
    for (char replacement : {'A', 'f', '-', '9'}) {
      if (token[i] == replacement) continue;
      std::string altered = token;
      altered[i] = replacement;
      EXPECT_FALSE(
          codec.DecodeFollowList(FollowListKind::kFollowers, altered).ok())
          << "position " << i;
    }
  }
  const std::string tweets = codec.EncodeUserTweets({42, 1000});
  for (std::size_t i = 0; i < tweets.size(); ++i) {
    std::string altered = tweets;
    altered[i] = altered[i] == 'A' ? 'B' : 'A';
    EXPECT_FALSE(codec.DecodeUserTweets(altered).ok()) << "position " << i;
  }
}

TEST(ListPageTokenTest, TruncatedForeignAndGarbageTokensAreRefused) {
  const PageTokenCodec codec = Codec();
  const std::string token =
      codec.EncodeFollowList(FollowListKind::kFollowing, {42, kFollowedAt, 7});
  for (std::size_t length = 0; length < token.size(); ++length) {
    EXPECT_FALSE(codec
                     .DecodeFollowList(FollowListKind::kFollowing,
                                       token.substr(0, length))
                     .ok())
        << length;
  }
  EXPECT_FALSE(
      codec.DecodeFollowList(FollowListKind::kFollowing, token + "AAAA").ok());
  EXPECT_FALSE(
      Codec('x').DecodeFollowList(FollowListKind::kFollowing, token).ok());
  EXPECT_FALSE(
      Codec('x').DecodeUserTweets(codec.EncodeUserTweets({4, 5})).ok());
  for (const std::string& bad :
       {std::string("' OR 1=1 --"), std::string(63, 'A'), std::string(52, 'A'),
        std::string(10000, 'A'), std::string("\0\0\0", 3)}) {
    EXPECT_FALSE(codec.DecodeFollowList(FollowListKind::kFollowing, bad).ok());
    EXPECT_FALSE(codec.DecodeUserTweets(bad).ok());
  }
}

TEST(ListPageTokenTest, SignedZeroFieldsAreRefused) {
  // Encoders never hand these out; a cursor naming user 0 is checked anyway.
  const PageTokenCodec codec = Codec();
  EXPECT_FALSE(
      codec
          .DecodeFollowList(FollowListKind::kFollowing,
                            codec.EncodeFollowList(FollowListKind::kFollowing,
                                                   {42, kFollowedAt, 0}))
          .ok());
  EXPECT_FALSE(codec.DecodeUserTweets(codec.EncodeUserTweets({0, 5})).ok());
}

TEST(ListPageTokenTest, RotatedSecretsKeepOldTokensUntilRetired) {
  auto codec_for = [](std::vector<std::string> secrets) {
    return *PageTokenCodec::Create(
        (*TokenService::Create(std::move(secrets), absl::Hours(1)))
            ->DeriveKeys(kPageTokenKeyLabel));
  };
  const std::string old_secret(32, 's');
  const std::string new_secret(32, 'n');
  const std::string token =
      codec_for({old_secret})
          .EncodeFollowList(FollowListKind::kFollowers, {42, kFollowedAt, 7});
  EXPECT_TRUE(codec_for({new_secret, old_secret})
                  .DecodeFollowList(FollowListKind::kFollowers, token)
                  .ok());
  absl::Status retired =
      codec_for({new_secret})
          .DecodeFollowList(FollowListKind::kFollowers, token)
          .status();
  EXPECT_EQ(retired.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(retired.message(), HasSubstr("no longer accepts"));
}

}  // namespace
}  // namespace miniter::rules
