// miniter_rules.cc: sign-up, login, tweets, follows and timelines.
#include "server/rules/miniter_rules.h"

#include <algorithm>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "server/common/retry_hint.h"
#include "server/rules/local_limiter_state.h"
#include "server/rules/text_rules.h"

namespace miniter::rules {
namespace {

// One message for every login failure, so that it does not tell an
// attacker which e-mail addresses are registered.
constexpr char kLoginFailed[] = "wrong e-mail address or password";

// The key of one (address, e-mail) pair. The address's length comes first,
// so no address and e-mail can run together into another pair's key.
std::string PairKey(absl::string_view peer, absl::string_view email_key) {
  return absl::StrCat(peer.size(), ":", peer, email_key);
}

PageTokenCodec PageTokensFor(const TokenService* tokens) {
  if (tokens == nullptr) return PageTokenCodec::WithRandomKey();
  absl::StatusOr<PageTokenCodec> codec =
      PageTokenCodec::Create(tokens->DeriveKeys(kPageTokenKeyLabel));
  // Derived keys' 32 bytes are always long enough; a random key is the safe
  // answer should that ever change.
  return codec.ok() ? *std::move(codec) : PageTokenCodec::WithRandomKey();
}

// page_size as every paged RPC takes it: 0 means the default (20), else
// 1..100.
absl::StatusOr<int> CheckedPageSize(int page_size) {
  if (page_size == 0) return kDefaultTimelinePageSize;
  if (page_size < 0 || page_size > kMaxTimelinePageSize) {
    return absl::InvalidArgumentError(absl::StrCat(
        "page_size must be between 1 and ", kMaxTimelinePageSize,
        " (or 0 for the default of ", kDefaultTimelinePageSize, ")"));
  }
  return page_size;
}

// The refusal of a page token that was made for another user_id.
absl::Status TokenOfAnotherUser() {
  return absl::InvalidArgumentError(
      "page_token belongs to another user_id; send the same user_id as for "
      "the previous page");
}

std::shared_ptr<LimiterState> LimiterStateFor(
    const MiniterRules::Dependencies& deps) {
  if (deps.limiter_state != nullptr) return deps.limiter_state;
  return std::make_shared<LocalLimiterState>(deps.rate_limits, deps.clock);
}

}  // namespace

absl::Status ValidateRequestId(absl::string_view request_id) {
  if (request_id.size() > MiniterRules::kMaxRequestIdBytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "request_id must be at most ", MiniterRules::kMaxRequestIdBytes,
        " characters (a UUID fits)"));
  }
  for (char c : request_id) {
    if (c < 0x21 || c > 0x7E) {
      return absl::InvalidArgumentError(
          "request_id may contain only printable ASCII without spaces "
          "(a UUID fits)");
    }
  }
  return absl::OkStatus();
}

MiniterRules::MiniterRules(Dependencies dependencies)
    : deps_(std::move(dependencies)),
      page_tokens_(PageTokensFor(deps_.tokens.get())),
      limits_(LimiterStateFor(deps_)),
      account_calls_(deps_.rate_limits.max_calls_in_flight_per_account) {}

absl::Status MiniterRules::Admit(Bucket bucket, absl::string_view key,
                                 absl::string_view what) {
  const absl::Duration wait = limits_->Take(bucket, key, 1);
  if (wait <= absl::ZeroDuration()) return absl::OkStatus();
  refusals_[static_cast<int>(bucket)].fetch_add(1, std::memory_order_relaxed);
  return common::WithRetryAfter(
      absl::ResourceExhaustedError(absl::StrCat(
          "too many ", what, " (limit ",
          FormatRateLimit(LimitOf(deps_.rate_limits, bucket)), ")")),
      wait);
}

std::vector<std::pair<std::string, std::uint64_t>>
MiniterRules::RateLimitRefusals() const {
  static_assert(static_cast<int>(Bucket::kTweetPerAccount) <
                kLoginBackoffRefusals);
  auto count = [this](int index) {
    return refusals_[index].load(std::memory_order_relaxed);
  };
  auto of = [&count](Bucket bucket) { return count(static_cast<int>(bucket)); };
  return {
      {"signup_rate_per_peer", of(Bucket::kSignupPerPeer)},
      {"login_rate_per_peer", of(Bucket::kLoginPerPeer)},
      {"login_rate_per_email", of(Bucket::kLoginFailuresPerEmail)},
      {"tweet_rate_per_peer", of(Bucket::kTweetPerPeer)},
      {"tweet_rate_per_account", of(Bucket::kTweetPerAccount)},
      {"login_backoff_per_email_and_peer", count(kLoginBackoffRefusals)},
      {"max_calls_per_account", account_calls_.refused()},
  };
}

absl::Status MiniterRules::AdmitSignUp(absl::string_view peer) {
  return Admit(Bucket::kSignupPerPeer, peer, "sign-ups from your address");
}

absl::Status MiniterRules::AdmitLogin(absl::string_view peer) {
  // Nothing per e-mail here: counting every attempt per e-mail let anyone
  // lock an owner out with ten wrong passwords a minute. Login counts
  // failures only, once it knows the outcome.
  return Admit(Bucket::kLoginPerPeer, peer, "login attempts from your address");
}

absl::Status MiniterRules::AdmitTweet(absl::string_view peer,
                                      storage::UserId caller) {
  absl::Status by_account =
      Admit(Bucket::kTweetPerAccount, absl::StrCat(caller),
            "tweets from your account");
  if (!by_account.ok()) return by_account;
  return Admit(Bucket::kTweetPerPeer, peer, "tweets from your address");
}

absl::StatusOr<storage::UserRecord> MiniterRules::SignUp(
    const SignUpInput& input) {
  absl::StatusOr<std::string> name = ValidateName(input.name);
  if (!name.ok()) return name.status();
  absl::StatusOr<EmailAddress> email = ValidateEmail(input.email);
  if (!email.ok()) return email.status();
  absl::Status password_ok = ValidatePassword(input.password);
  if (!password_ok.ok()) return password_ok;
  absl::StatusOr<std::string> profile = ValidateProfile(input.profile);
  if (!profile.ok()) return profile.status();

  absl::StatusOr<std::string> hash =
      deps_.password_hasher->Hash(input.password);
  if (!hash.ok()) return hash.status();

  absl::StatusOr<std::string> name_key = NameKey(*name);
  if (!name_key.ok()) return name_key.status();

  storage::NewUser user;
  user.name = *std::move(name);
  user.email = std::move(email->display);
  user.email_key = std::move(email->key);
  user.name_key = *std::move(name_key);
  user.password_hash = *std::move(hash);
  user.profile = *std::move(profile);
  absl::StatusOr<storage::UserRecord> created = deps_.users->CreateUser(user);
  if (absl::IsAlreadyExists(created.status())) {
    return absl::AlreadyExistsError(
        "an account with this e-mail address already exists");
  }
  return created;
}

absl::StatusOr<LoginResult> MiniterRules::Login(absl::string_view email,
                                                absl::string_view password,
                                                absl::string_view peer) {
  if (email.empty() || password.empty()) {
    return absl::InvalidArgumentError("email and password are required");
  }
  // The case-folded key, so "Ann@X.com" and "ann@x.com" share one budget;
  // text that is no e-mail at all is counted as given. The same answers
  // whether or not the account exists.
  absl::StatusOr<EmailAddress> address = ValidateEmail(email);
  const std::string email_key =
      address.ok() ? address->key : std::string(email);
  const std::string pair_key = PairKey(peer, email_key);

  // Both counters take this attempt as a failure before the password is
  // checked, so that concurrent guesses cannot all pass one free slot;
  // a success or an attempt that never reached the check gives it back.
  const BackoffPolicy& backoff =
      deps_.rate_limits.login_backoff_per_email_and_peer;
  const absl::Duration pair_wait = limits_->CountFailure(pair_key);
  if (pair_wait > absl::ZeroDuration()) {
    refusals_[kLoginBackoffRefusals].fetch_add(1, std::memory_order_relaxed);
    return common::WithRetryAfter(
        absl::ResourceExhaustedError(absl::StrCat(
            "too many failed logins for this e-mail address from your "
            "address (after ",
            backoff.free_failures,
            " failures each further attempt waits longer, up to ",
            absl::FormatDuration(backoff.max_delay), ")")),
        pair_wait);
  }
  // A pair that logged in recently is the owner's (or shares the owner's
  // address, and the backoff above slows it); anyone else shares the
  // e-mail's budget of failures. Letting a right password through while
  // the budget is spent would bound nothing: every refusal would say
  // "wrong", so each attempt would still test one password.
  const RateLimit& per_email = deps_.rate_limits.login_per_email;
  const bool email_limited = per_email.enabled();
  const bool recognized = email_limited && limits_->RecognizesLogin(pair_key);
  if (email_limited && !recognized) {
    const absl::Duration email_wait =
        limits_->Take(Bucket::kLoginFailuresPerEmail, email_key, 1);
    if (email_wait > absl::ZeroDuration()) {
      refusals_[static_cast<int>(Bucket::kLoginFailuresPerEmail)].fetch_add(
          1, std::memory_order_relaxed);
      limits_->RefundFailure(pair_key);
      return common::WithRetryAfter(
          absl::ResourceExhaustedError(absl::StrCat(
              "too many failed logins for this e-mail address (limit ",
              FormatRateLimit(per_email),
              " from addresses that have not logged into it recently)")),
          email_wait);
    }
  }

  absl::StatusOr<LoginResult> result = CheckCredentials(address, password);
  if (result.ok()) {
    limits_->ForgetFailures(pair_key);
    if (!recognized) {
      limits_->GiveBack(Bucket::kLoginFailuresPerEmail, email_key, 1);
    }
    if (email_limited) limits_->RememberLogin(pair_key);
  } else if (!absl::IsUnauthenticated(result.status())) {
    // Storage down or hashing busy: no password was judged, so this was
    // no failed guess.
    limits_->RefundFailure(pair_key);
    if (!recognized) {
      limits_->GiveBack(Bucket::kLoginFailuresPerEmail, email_key, 1);
    }
  }
  return result;
}

absl::StatusOr<LoginResult> MiniterRules::CheckCredentials(
    const absl::StatusOr<EmailAddress>& address, absl::string_view password) {
  const bool plausible =
      address.ok() && password.size() <= kMaxPasswordCodePoints * 4;
  absl::StatusOr<storage::UserCredentials> credentials =
      plausible ? deps_.users->FindCredentialsByEmailKey(address->key)
                : absl::NotFoundError("implausible login");
  if (absl::IsNotFound(credentials.status())) {
    // Spend the same time as a wrong password before answering.
    absl::Status spent = deps_.password_hasher->VerifyAgainstDummy(password);
    if (!spent.ok()) return spent;
    return absl::UnauthenticatedError(kLoginFailed);
  }
  if (!credentials.ok()) return credentials.status();

  absl::StatusOr<bool> matches =
      deps_.password_hasher->Verify(credentials->password_hash, password);
  if (!matches.ok()) return matches.status();
  if (!*matches) return absl::UnauthenticatedError(kLoginFailed);

  absl::StatusOr<IssuedToken> token =
      deps_.tokens->Issue(credentials->user_id, deps_.clock());
  if (!token.ok()) return token.status();
  return LoginResult{credentials->user_id, *std::move(token)};
}

absl::StatusOr<storage::UserId> MiniterRules::Authenticate(
    absl::string_view authorization) const {
  if (authorization.empty()) {
    return absl::UnauthenticatedError(
        "missing access token: send metadata \"authorization: Bearer "
        "<access_token>\" (get one from Login)");
  }
  constexpr absl::string_view kScheme = "bearer ";
  if (authorization.size() <= kScheme.size() ||
      !absl::StartsWithIgnoreCase(authorization, kScheme)) {
    return absl::UnauthenticatedError(
        "malformed authorization metadata: expected \"Bearer "
        "<access_token>\"");
  }
  absl::string_view token =
      absl::StripAsciiWhitespace(authorization.substr(kScheme.size()));
  return deps_.tokens->Verify(token, deps_.clock());
}

absl::StatusOr<storage::TweetRecord> MiniterRules::PostTweet(
    storage::UserId caller, absl::string_view text,
    absl::string_view request_id) {
  absl::StatusOr<std::string> normalized = ValidateTweetText(text);
  if (!normalized.ok()) return normalized.status();
  absl::Status request_id_ok = ValidateRequestId(request_id);
  if (!request_id_ok.ok()) return request_id_ok;
  absl::StatusOr<AccountAdmission::Ticket> admitted =
      account_calls_.Enter(caller);
  if (!admitted.ok()) return admitted.status();
  absl::StatusOr<storage::TweetRecord> tweet = deps_.tweets->CreateTweet(
      caller, *normalized,
      std::string_view(request_id.data(), request_id.size()));
  if (tweet.ok() && !request_id.empty() && tweet->text != *normalized) {
    // A replay must be a replay: a different text under a used id is a
    // client bug (or two tweets sharing an id), not something to merge.
    return absl::AlreadyExistsError(absl::StrCat(
        "request_id was already used for another tweet (id ", tweet->id,
        ") with a different text; use a new request_id for a new tweet"));
  }
  if (absl::IsNotFound(tweet.status())) {
    // A validly signed token for an account that is gone.
    return absl::UnauthenticatedError(
        "the account of this access token no longer exists");
  }
  if (tweet.ok()) {
    AnnounceChange({storage::TimelineEvent::Kind::kTweet, caller, 0, tweet->id,
                    deps_.clock()});
  }
  return tweet;
}

void MiniterRules::AnnounceChange(const storage::TimelineEvent& event) const {
  if (deps_.timeline_changed) deps_.timeline_changed(event);
}

absl::Status MiniterRules::CheckFollowTarget(storage::UserId caller,
                                             storage::UserId target,
                                             absl::string_view action) const {
  if (target == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("user_id is required: the id of the user to ", action));
  }
  if (target == caller) {
    return absl::InvalidArgumentError(
        absl::StrCat("you cannot ", action, " yourself"));
  }
  return absl::OkStatus();
}

absl::Status MiniterRules::Follow(storage::UserId caller,
                                  storage::UserId target) {
  absl::Status valid = CheckFollowTarget(caller, target, "follow");
  if (!valid.ok()) return valid;
  absl::StatusOr<AccountAdmission::Ticket> admitted =
      account_calls_.Enter(caller);
  if (!admitted.ok()) return admitted.status();
  absl::Status followed = deps_.follows->Follow(caller, target);
  if (absl::IsNotFound(followed)) {
    return absl::NotFoundError(absl::StrCat("no user has id ", target));
  }
  if (followed.ok()) {
    AnnounceChange({storage::TimelineEvent::Kind::kFollow, caller, target, 0,
                    deps_.clock()});
  }
  return followed;
}

absl::Status MiniterRules::Unfollow(storage::UserId caller,
                                    storage::UserId target) {
  absl::Status valid = CheckFollowTarget(caller, target, "unfollow");
  if (!valid.ok()) return valid;
  absl::StatusOr<AccountAdmission::Ticket> admitted =
      account_calls_.Enter(caller);
  if (!admitted.ok()) return admitted.status();
  absl::Status unfollowed = deps_.follows->Unfollow(caller, target);
  if (absl::IsNotFound(unfollowed)) {
    return absl::NotFoundError(absl::StrCat("no user has id ", target));
  }
  if (unfollowed.ok()) {
    AnnounceChange({storage::TimelineEvent::Kind::kUnfollow, caller, target, 0,
                    deps_.clock()});
  }
  return unfollowed;
}

absl::StatusOr<TimelinePage> MiniterRules::ReadTimeline(
    storage::UserId caller, storage::UserId target, int page_size,
    absl::string_view page_token) {
  if (target == 0) target = caller;
  absl::StatusOr<int> checked_size = CheckedPageSize(page_size);
  if (!checked_size.ok()) return checked_size.status();
  page_size = *checked_size;
  storage::TimelinePageQuery query;
  query.user_id = target;
  // One extra row tells whether an older page exists without a second
  // query.
  query.limit = page_size + 1;
  if (!page_token.empty()) {
    absl::StatusOr<TimelineCursor> cursor = page_tokens_.Decode(page_token);
    if (!cursor.ok()) return cursor.status();
    if (cursor->timeline_user_id != target) {
      return absl::InvalidArgumentError(
          "page_token belongs to another user's timeline; send the same "
          "user_id as for the previous page");
    }
    query.before_tweet_id = cursor->before_tweet_id;
  }
  absl::StatusOr<AccountAdmission::Ticket> admitted =
      account_calls_.Enter(caller);
  if (!admitted.ok()) return admitted.status();
  // A page storage must read the expensive way costs more of the account's
  // places; only storage knows which pages those are, and asks.
  const int deep_read_cost = deps_.rate_limits.deep_read_cost;
  query.admit_expensive_read = [&ticket = *admitted, deep_read_cost] {
    return ticket.Raise(deep_read_cost);
  };
  storage::TweetStore& store =
      target != caller && deps_.lagging_timelines != nullptr
          ? *deps_.lagging_timelines
          : *deps_.tweets;
  absl::StatusOr<std::vector<storage::TweetRecord>> tweets =
      store.ReadTimelinePage(query);
  if (absl::IsNotFound(tweets.status())) {
    return absl::NotFoundError(absl::StrCat("no user has id ", target));
  }
  if (!tweets.ok()) return tweets.status();

  TimelinePage page;
  page.tweets = *std::move(tweets);
  if (page.tweets.size() > static_cast<std::size_t>(page_size)) {
    page.tweets.resize(page_size);
    page.next_page_token = page_tokens_.Encode({target, page.tweets.back().id});
  }
  return page;
}

absl::StatusOr<storage::UserProfile> MiniterRules::GetUser(
    storage::UserId caller, storage::UserId target) {
  if (target == 0) target = caller;
  absl::StatusOr<AccountAdmission::Ticket> admitted =
      account_calls_.Enter(caller);
  if (!admitted.ok()) return admitted.status();
  absl::StatusOr<storage::UserProfile> profile =
      deps_.users->GetUserProfile(target);
  if (absl::IsNotFound(profile.status())) {
    return absl::NotFoundError(absl::StrCat("no user has id ", target));
  }
  if (!profile.ok()) return profile.status();
  if (target != caller) profile->user.email.clear();
  return profile;
}

absl::StatusOr<UserSearchPage> MiniterRules::SearchUsers(
    storage::UserId caller, absl::string_view query, int page_size,
    absl::string_view page_token) {
  absl::StatusOr<std::string> query_key = SearchQueryKey(query);
  if (!query_key.ok()) return query_key.status();
  absl::StatusOr<int> checked_size = CheckedPageSize(page_size);
  if (!checked_size.ok()) return checked_size.status();
  page_size = *checked_size;
  storage::UserSearchQuery search;
  search.name_key_prefix = *query_key;
  // One extra row tells whether a next page exists.
  search.limit = page_size + 1;
  if (!page_token.empty()) {
    absl::StatusOr<SearchCursor> cursor =
        page_tokens_.DecodeSearch(page_token, *query_key);
    if (!cursor.ok()) return cursor.status();
    search.after_name_key = std::move(cursor->name_key);
    search.after_id = cursor->user_id;
  }
  absl::StatusOr<AccountAdmission::Ticket> admitted =
      account_calls_.Enter(caller);
  if (!admitted.ok()) return admitted.status();
  absl::StatusOr<std::vector<storage::FoundUser>> found =
      deps_.users->SearchUsersByNameKey(search);
  if (!found.ok()) return found.status();

  UserSearchPage page;
  if (found->size() > static_cast<std::size_t>(page_size)) {
    found->resize(page_size);
    page.next_page_token = page_tokens_.EncodeSearch(
        {found->back().name_key, found->back().user.id}, *query_key);
  }
  page.users.reserve(found->size());
  for (storage::FoundUser& user : *found) {
    if (user.user.id != caller) user.user.email.clear();
    page.users.push_back(std::move(user.user));
  }
  return page;
}

absl::StatusOr<UserListPage> MiniterRules::ListFollowing(
    storage::UserId caller, storage::UserId target, int page_size,
    absl::string_view page_token) {
  return ListFollows(FollowListKind::kFollowing, caller, target, page_size,
                     page_token);
}

absl::StatusOr<UserListPage> MiniterRules::ListFollowers(
    storage::UserId caller, storage::UserId target, int page_size,
    absl::string_view page_token) {
  return ListFollows(FollowListKind::kFollowers, caller, target, page_size,
                     page_token);
}

absl::StatusOr<UserListPage> MiniterRules::ListFollows(
    FollowListKind kind, storage::UserId caller, storage::UserId target,
    int page_size, absl::string_view page_token) {
  if (target == 0) target = caller;
  absl::StatusOr<int> checked_size = CheckedPageSize(page_size);
  if (!checked_size.ok()) return checked_size.status();
  storage::FollowListQuery query;
  query.user_id = target;
  // One extra row tells whether there is a next page.
  query.limit = *checked_size + 1;
  if (!page_token.empty()) {
    absl::StatusOr<FollowListCursor> cursor =
        page_tokens_.DecodeFollowList(kind, page_token);
    if (!cursor.ok()) return cursor.status();
    if (cursor->list_user_id != target) return TokenOfAnotherUser();
    query.after_followed_at = cursor->after_followed_at;
    query.after_user_id = cursor->after_user_id;
  }
  absl::StatusOr<AccountAdmission::Ticket> admitted =
      account_calls_.Enter(caller);
  if (!admitted.ok()) return admitted.status();
  absl::StatusOr<std::vector<storage::FollowListEntry>> entries =
      kind == FollowListKind::kFollowing ? deps_.follows->ListFollowing(query)
                                         : deps_.follows->ListFollowers(query);
  if (absl::IsNotFound(entries.status())) {
    return absl::NotFoundError(absl::StrCat("no user has id ", target));
  }
  if (!entries.ok()) return entries.status();

  UserListPage page;
  const std::size_t shown =
      std::min(entries->size(), static_cast<std::size_t>(*checked_size));
  page.users.reserve(shown);
  for (std::size_t i = 0; i < shown; ++i) {
    storage::UserRecord& user = (*entries)[i].user;
    // An e-mail address is shown to its owner only.
    if (user.id != caller) user.email.clear();
    page.users.push_back(std::move(user));
  }
  if (entries->size() > shown) {
    const storage::FollowListEntry& last = (*entries)[shown - 1];
    page.next_page_token = page_tokens_.EncodeFollowList(
        kind, {target, last.followed_at, last.user.id});
  }
  return page;
}

absl::StatusOr<TimelinePage> MiniterRules::ReadUserTweets(
    storage::UserId caller, storage::UserId target, int page_size,
    absl::string_view page_token) {
  if (target == 0) target = caller;
  absl::StatusOr<int> checked_size = CheckedPageSize(page_size);
  if (!checked_size.ok()) return checked_size.status();
  storage::UserTweetsQuery query;
  query.user_id = target;
  query.limit = *checked_size + 1;
  if (!page_token.empty()) {
    absl::StatusOr<UserTweetsCursor> cursor =
        page_tokens_.DecodeUserTweets(page_token);
    if (!cursor.ok()) return cursor.status();
    if (cursor->user_id != target) return TokenOfAnotherUser();
    query.before_tweet_id = cursor->before_tweet_id;
  }
  absl::StatusOr<AccountAdmission::Ticket> admitted =
      account_calls_.Enter(caller);
  if (!admitted.ok()) return admitted.status();
  // As for timelines: an author sees their own tweet at once; others may
  // read a bounded time behind.
  storage::TweetStore& store =
      target != caller && deps_.lagging_timelines != nullptr
          ? *deps_.lagging_timelines
          : *deps_.tweets;
  absl::StatusOr<std::vector<storage::TweetRecord>> tweets =
      store.ReadUserTweetsPage(query);
  if (absl::IsNotFound(tweets.status())) {
    return absl::NotFoundError(absl::StrCat("no user has id ", target));
  }
  if (!tweets.ok()) return tweets.status();

  TimelinePage page;
  page.tweets = *std::move(tweets);
  if (page.tweets.size() > static_cast<std::size_t>(*checked_size)) {
    page.tweets.resize(*checked_size);
    page.next_page_token =
        page_tokens_.EncodeUserTweets({target, page.tweets.back().id});
  }
  return page;
}

}  // namespace miniter::rules
