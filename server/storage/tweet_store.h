// tweet_store.h: the storage interface for tweets and timelines.
#ifndef MINITER_SERVER_STORAGE_TWEET_STORE_H_
#define MINITER_SERVER_STORAGE_TWEET_STORE_H_

#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "server/storage/records.h"

namespace miniter::storage {

// Persists tweets and reads timelines. Implementations are thread-safe.
// Errors beyond those listed: as for UserStore.
class TweetStore {
 public:
  virtual ~TweetStore() = default;

  // Stores a tweet by `author_id` (who must exist) and returns it; the
  // returned record's author_name is filled. The write is durable when this
  // returns OK. NOT_FOUND when the author does not exist.
  //
  // A non-empty `request_id` (at most 64 bytes) is remembered with the
  // tweet, per author, for as long as the tweet exists: when `author_id`
  // already stored a tweet under it, nothing is written and that tweet is
  // returned (whatever `text` is; the caller compares). Race-free: of two
  // concurrent calls with one id, one writes and the other returns its
  // tweet.
  virtual absl::StatusOr<TweetRecord> CreateTweet(
      UserId author_id, std::string_view text, std::string_view request_id) = 0;

  // A tweet without a request id (never deduplicated).
  absl::StatusOr<TweetRecord> CreateTweet(UserId author_id,
                                          std::string_view text) {
    return CreateTweet(author_id, text, std::string_view());
  }

  // Returns up to `query.limit` tweets written by `query.user_id` or by an
  // account it follows, with id below `query.before_tweet_id` when that is
  // non-zero, ordered by id descending, each tweet once.
  // NOT_FOUND when `query.user_id` does not exist. When the page must be
  // read the expensive way, `query.admit_expensive_read` is asked first and
  // its refusal returned as is (records.h).
  virtual absl::StatusOr<std::vector<TweetRecord>> ReadTimelinePage(
      const TimelinePageQuery& query) = 0;

  // Returns up to `query.limit` tweets written by `query.user_id` (not by
  // the accounts it follows), with id below `query.before_tweet_id` when
  // that is non-zero, newest first: one range of the author's tweets,
  // however many there are. NOT_FOUND when `query.user_id` does not exist.
  virtual absl::StatusOr<std::vector<TweetRecord>> ReadUserTweetsPage(
      const UserTweetsQuery& query) = 0;
};

}  // namespace miniter::storage

#endif  // MINITER_SERVER_STORAGE_TWEET_STORE_H_
