// mock_stores.h: gMock implementations of the storage interfaces, for tests
// of the rules and the gRPC adapter that run without a database.
#ifndef MINITER_SERVER_STORAGE_MOCKS_MOCK_STORES_H_
#define MINITER_SERVER_STORAGE_MOCKS_MOCK_STORES_H_

#include <gmock/gmock.h>

#include "server/storage/database_health.h"
#include "server/storage/follow_store.h"
#include "server/storage/tweet_store.h"
#include "server/storage/user_store.h"

namespace miniter::storage {

class MockUserStore : public UserStore {
 public:
  MOCK_METHOD(absl::StatusOr<UserRecord>, CreateUser, (const NewUser&),
              (override));
  MOCK_METHOD(absl::StatusOr<UserCredentials>, FindCredentialsByEmailKey,
              (std::string_view), (override));
  MOCK_METHOD(absl::Status, CheckUserExists, (UserId), (override));
  MOCK_METHOD(absl::StatusOr<UserProfile>, GetUserProfile, (UserId),
              (override));
  MOCK_METHOD(absl::StatusOr<std::vector<FoundUser>>, SearchUsersByNameKey,
              (const UserSearchQuery&), (override));
  MOCK_METHOD(absl::StatusOr<std::vector<UnkeyedUser>>, ListUsersWithoutNameKey,
              (int), (override));
  MOCK_METHOD(absl::Status, SetMissingNameKey, (UserId, std::string_view),
              (override));
};

class MockTweetStore : public TweetStore {
 public:
  MOCK_METHOD(absl::StatusOr<TweetRecord>, CreateTweet,
              (UserId, std::string_view, std::string_view), (override));
  MOCK_METHOD(absl::StatusOr<std::vector<TweetRecord>>, ReadTimelinePage,
              (const TimelinePageQuery&), (override));
  MOCK_METHOD(absl::StatusOr<std::vector<TweetRecord>>, ReadUserTweetsPage,
              (const UserTweetsQuery&), (override));
};

class MockFollowStore : public FollowStore {
 public:
  MOCK_METHOD(absl::Status, Follow, (UserId, UserId), (override));
  MOCK_METHOD(absl::Status, Unfollow, (UserId, UserId), (override));
  MOCK_METHOD(absl::StatusOr<std::vector<FollowListEntry>>, ListFollowing,
              (const FollowListQuery&), (override));
  MOCK_METHOD(absl::StatusOr<std::vector<FollowListEntry>>, ListFollowers,
              (const FollowListQuery&), (override));
};

class MockDatabaseHealth : public DatabaseHealth {
 public:
  MOCK_METHOD(absl::Status, Ping, (), (override));
};

}  // namespace miniter::storage

#endif  // MINITER_SERVER_STORAGE_MOCKS_MOCK_STORES_H_
