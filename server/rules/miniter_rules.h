// miniter_rules.h: what miniter does, independent of gRPC and of SQL.
//
// The gRPC adapter turns requests into calls here; this layer validates,
// authenticates, hashes, pages, and talks to storage only through the
// interfaces in server/storage/. Every method returns a Status whose code
// and message are fit to show to the caller.
#ifndef MINITER_SERVER_RULES_MINITER_RULES_H_
#define MINITER_SERVER_RULES_MINITER_RULES_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "server/rules/account_admission.h"
#include "server/rules/limiter_state.h"
#include "server/rules/page_token.h"
#include "server/rules/password_hasher.h"
#include "server/rules/rate_limiter.h"
#include "server/rules/text_rules.h"
#include "server/rules/token_service.h"
#include "server/storage/follow_store.h"
#include "server/storage/records.h"
#include "server/storage/timeline_events.h"
#include "server/storage/tweet_store.h"
#include "server/storage/user_store.h"

namespace miniter::rules {

inline constexpr int kDefaultTimelinePageSize = 20;
inline constexpr int kMaxTimelinePageSize = 100;

struct SignUpInput {
  std::string name;
  std::string email;
  std::string password;
  std::string profile;
};

struct LoginResult {
  storage::UserId user_id = 0;
  IssuedToken token;
};

struct TimelinePage {
  std::vector<storage::TweetRecord> tweets;
  // Empty when there are no older tweets.
  std::string next_page_token;
};

// One page of a follow list, most recent edge first.
struct UserListPage {
  std::vector<storage::UserRecord> users;
  // Empty at the end of the list.
  std::string next_page_token;
};

struct UserSearchPage {
  // E-mail addresses cleared except the caller's own.
  std::vector<storage::UserRecord> users;
  // Empty when there are no more matches.
  std::string next_page_token;
};

// Thread-safe when its dependencies are.
class MiniterRules {
 public:
  struct Dependencies {
    std::shared_ptr<storage::UserStore> users;
    std::shared_ptr<storage::TweetStore> tweets;
    // Serves other users' timelines, which may lag a bounded time (a
    // replica); null means `tweets`. The caller's own timeline always
    // comes from `tweets`, so an author sees their tweet at once.
    std::shared_ptr<storage::TweetStore> lagging_timelines;
    std::shared_ptr<storage::FollowStore> follows;
    std::shared_ptr<PasswordHasher> password_hasher;
    // Also the source of the page-token keys (TokenService::DeriveKeys).
    std::shared_ptr<const TokenService> tokens;
    // Injected so tests can move time (token expiry).
    std::function<absl::Time()> clock = [] { return absl::Now(); };
    // All off unless set (unit tests); the server sets production values.
    RateLimitOptions rate_limits;
    // Where the limits' state lives, built with `rate_limits`; null means
    // this process's memory (LocalLimiterState on `clock`). The server
    // shares it through the memory tier when it has one.
    std::shared_ptr<LimiterState> limiter_state;
    // Told of each committed tweet, follow and unfollow (WatchTimeline
    // streams learn of changes through it); null: nobody listens.
    std::function<void(const storage::TimelineEvent&)> timeline_changed;
  };

  // Longest Tweet request_id accepted (a UUID is 36).
  static constexpr std::size_t kMaxRequestIdBytes = 64;

  explicit MiniterRules(Dependencies dependencies);

  // Validates and creates an account. INVALID_ARGUMENT naming the bad
  // field; ALREADY_EXISTS when the e-mail is taken (ignoring case).
  absl::StatusOr<storage::UserRecord> SignUp(const SignUpInput& input);

  // UNAUTHENTICATED, with one message for both, when the e-mail is unknown
  // or the password wrong; both take about the same time. `peer` is the
  // client's address, as for AdmitLogin.
  //
  // Failed logins are throttled here, where the outcome is known
  // (RateLimitOptions): RESOURCE_EXHAUSTED with a retry hint, before the
  // password is checked, when this (e-mail, address) pair is in its backoff
  // after failures, or when `peer` has not logged into this e-mail recently
  // and the e-mail's budget of failures is spent. A stranger's failures
  // therefore never stop the owner logging in from an address the owner
  // used within RateLimitOptions::recognized_login_ttl. Unknown e-mails are
  // throttled exactly like known ones.
  absl::StatusOr<LoginResult> Login(absl::string_view email,
                                    absl::string_view password,
                                    absl::string_view peer);

  // The caller named by an "authorization" header value ("Bearer <token>").
  // UNAUTHENTICATED when it is missing, malformed, forged or expired.
  absl::StatusOr<storage::UserId> Authenticate(
      absl::string_view authorization) const;

  // Validates and stores a tweet. A non-empty `request_id` (printable
  // ASCII, at most kMaxRequestIdBytes) makes the call idempotent per
  // caller: a repeat with the same id and text returns the tweet stored the
  // first time; the same id with another text is ALREADY_EXISTS.
  absl::StatusOr<storage::TweetRecord> PostTweet(
      storage::UserId caller, absl::string_view text,
      absl::string_view request_id = "");

  // Rate limits, checked by the adapter before the call itself. `peer` is
  // the client's address (the adapter resolves trusted proxies). OK, or
  // RESOURCE_EXHAUSTED with a retry hint (server/common/retry_hint.h); a
  // refused call consumes nothing from the limit that refused it.
  // AdmitLogin limits attempts per address only; per e-mail only failures
  // count, in Login.
  absl::Status AdmitSignUp(absl::string_view peer);
  absl::Status AdmitLogin(absl::string_view peer);
  absl::Status AdmitTweet(absl::string_view peer, storage::UserId caller);

  // Calls refused by each limit since start, for metrics, by the limit's
  // flag name: signup_rate_per_peer, login_rate_per_peer,
  // login_rate_per_email, tweet_rate_per_peer, tweet_rate_per_account,
  // login_backoff_per_email_and_peer, max_calls_per_account. Thread-safe.
  std::vector<std::pair<std::string, std::uint64_t>> RateLimitRefusals() const;

  // The calls below (and PostTweet) also take one of the caller's places in
  // AccountAdmission: RESOURCE_EXHAUSTED with a retry hint when the account
  // already has RateLimitOptions::max_calls_in_flight_per_account running.
  //
  // INVALID_ARGUMENT for user id 0 or the caller's own id; NOT_FOUND for an
  // unknown user; OK (no change) when already following.
  absl::Status Follow(storage::UserId caller, storage::UserId target);

  // As Follow; OK (no change) when not following.
  absl::Status Unfollow(storage::UserId caller, storage::UserId target);

  // `target` 0 means the caller. `page_size` 0 means the default; outside
  // 1..100 is INVALID_ARGUMENT, as is a page token not made for `target`
  // or not signed by this deployment (page_token.h). A page that storage
  // reads the expensive way (deep in history) takes
  // RateLimitOptions::deep_read_cost places instead of one:
  // RESOURCE_EXHAUSTED with a retry hint when the account's other calls
  // leave too few.
  absl::StatusOr<TimelinePage> ReadTimeline(storage::UserId caller,
                                            storage::UserId target,
                                            int page_size,
                                            absl::string_view page_token);

  // The accounts `target` follows (ListFollowing) or that follow it
  // (ListFollowers), the most recent edge first; `target` 0 means the
  // caller. Page size and token as for ReadTimeline, except that a token
  // is refused by the other list, and for another `target`. E-mail
  // addresses are kept only in the caller's own record. NOT_FOUND for an
  // unknown user; RESOURCE_EXHAUSTED when the account has all its places
  // in use. One index range per page, so no page costs more than one
  // place.
  absl::StatusOr<UserListPage> ListFollowing(storage::UserId caller,
                                             storage::UserId target,
                                             int page_size,
                                             absl::string_view page_token);
  absl::StatusOr<UserListPage> ListFollowers(storage::UserId caller,
                                             storage::UserId target,
                                             int page_size,
                                             absl::string_view page_token);

  // The tweets `target` wrote (0: the caller), newest first, with the
  // cursor rules of ReadTimeline (a token only from this RPC for this
  // `target`); other users' come from `lagging_timelines` like their
  // timelines. NOT_FOUND for an unknown user; RESOURCE_EXHAUSTED when the
  // account has all its places in use.
  absl::StatusOr<TimelinePage> ReadUserTweets(storage::UserId caller,
                                              storage::UserId target,
                                              int page_size,
                                              absl::string_view page_token);

  // The profile of `target` (0: the caller) with its follow counts; the
  // e-mail address only when `target` is the caller. NOT_FOUND for an
  // unknown user. Takes one of the caller's places, as Follow does.
  absl::StatusOr<storage::UserProfile> GetUser(storage::UserId caller,
                                               storage::UserId target);

  // Users whose name starts with `query`, compared after NFC and full case
  // folding (SearchQueryKey), ordered by folded name then id; e-mail
  // addresses only for the caller's own account. INVALID_ARGUMENT for a
  // bad query, a page_size outside 1..100 (0 means 20), or a page token not
  // returned for this same query. Takes one of the caller's places.
  absl::StatusOr<UserSearchPage> SearchUsers(storage::UserId caller,
                                             absl::string_view query,
                                             int page_size,
                                             absl::string_view page_token);

 private:
  absl::StatusOr<UserListPage> ListFollows(FollowListKind kind,
                                           storage::UserId caller,
                                           storage::UserId target,
                                           int page_size,
                                           absl::string_view page_token);

  void AnnounceChange(const storage::TimelineEvent& event) const;
  absl::Status CheckFollowTarget(storage::UserId caller, storage::UserId target,
                                 absl::string_view action) const;
  // Login without the throttling: the credentials check itself.
  absl::StatusOr<LoginResult> CheckCredentials(
      const absl::StatusOr<EmailAddress>& address, absl::string_view password);

  Dependencies deps_;
  PageTokenCodec page_tokens_;
  // Takes a token of `bucket` for `key`: OK, or RESOURCE_EXHAUSTED with a
  // retry hint. `what` completes "too many ...".
  absl::Status Admit(Bucket bucket, absl::string_view key,
                     absl::string_view what);

  // The buckets, the login backoff per (e-mail, address) and the (e-mail,
  // address) pairs that logged in within recognized_login_ttl.
  std::shared_ptr<LimiterState> limits_;
  AccountAdmission account_calls_;
  // Refusals per Bucket (its value), then of the login backoff: atomics
  // counted on the refusal path only.
  static constexpr int kLoginBackoffRefusals = 5;
  std::array<std::atomic<std::uint64_t>, kLoginBackoffRefusals + 1> refusals_{};
};

// OK for an empty Tweet request_id or one of printable ASCII without
// spaces, at most MiniterRules::kMaxRequestIdBytes long; INVALID_ARGUMENT
// saying why otherwise. PostTweet checks it; the adapter asks too before it
// puts a request_id into the call log.
absl::Status ValidateRequestId(absl::string_view request_id);

}  // namespace miniter::rules

#endif  // MINITER_SERVER_RULES_MINITER_RULES_H_
