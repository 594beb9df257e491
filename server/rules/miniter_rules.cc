// miniter_rules.cc: sign-up, login, tweets, follows and timelines.
#include "server/rules/miniter_rules.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "server/rules/page_token.h"
#include "server/rules/text_rules.h"

namespace miniter::rules {
namespace {

// One message for every login failure, so that it does not tell an
// attacker which e-mail addresses are registered.
constexpr char kLoginFailed[] = "wrong e-mail address or password";

}  // namespace

MiniterRules::MiniterRules(Dependencies dependencies)
    : deps_(std::move(dependencies)) {}

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

  storage::NewUser user{*std::move(name), std::move(email->display),
                        std::move(email->key), *std::move(hash),
                        *std::move(profile)};
  absl::StatusOr<storage::UserRecord> created =
      deps_.users->CreateUser(user);
  if (absl::IsAlreadyExists(created.status())) {
    return absl::AlreadyExistsError(
        "an account with this e-mail address already exists");
  }
  return created;
}

absl::StatusOr<LoginResult> MiniterRules::Login(absl::string_view email,
                                                absl::string_view password) {
  if (email.empty() || password.empty()) {
    return absl::InvalidArgumentError("email and password are required");
  }
  absl::StatusOr<EmailAddress> address = ValidateEmail(email);
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
    storage::UserId caller, absl::string_view text) {
  absl::StatusOr<std::string> normalized = ValidateTweetText(text);
  if (!normalized.ok()) return normalized.status();
  absl::StatusOr<storage::TweetRecord> tweet =
      deps_.tweets->CreateTweet(caller, *normalized);
  if (absl::IsNotFound(tweet.status())) {
    // A validly signed token for an account that is gone.
    return absl::UnauthenticatedError(
        "the account of this access token no longer exists");
  }
  return tweet;
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
  absl::Status followed = deps_.follows->Follow(caller, target);
  if (absl::IsNotFound(followed)) {
    return absl::NotFoundError(absl::StrCat("no user has id ", target));
  }
  return followed;
}

absl::Status MiniterRules::Unfollow(storage::UserId caller,
                                    storage::UserId target) {
  absl::Status valid = CheckFollowTarget(caller, target, "unfollow");
  if (!valid.ok()) return valid;
  absl::Status unfollowed = deps_.follows->Unfollow(caller, target);
  if (absl::IsNotFound(unfollowed)) {
    return absl::NotFoundError(absl::StrCat("no user has id ", target));
  }
  return unfollowed;
}

absl::StatusOr<TimelinePage> MiniterRules::ReadTimeline(
    storage::UserId caller, storage::UserId target, int page_size,
    absl::string_view page_token) {
  if (target == 0) target = caller;
  if (page_size == 0) page_size = kDefaultTimelinePageSize;
  if (page_size < 0 || page_size > kMaxTimelinePageSize) {
    return absl::InvalidArgumentError(
        absl::StrCat("page_size must be between 1 and ", kMaxTimelinePageSize,
                     " (or 0 for the default of ", kDefaultTimelinePageSize,
                     ")"));
  }
  storage::TimelinePageQuery query;
  query.user_id = target;
  // One extra row tells whether an older page exists without a second
  // query.
  query.limit = page_size + 1;
  if (!page_token.empty()) {
    absl::StatusOr<TimelineCursor> cursor = DecodePageToken(page_token);
    if (!cursor.ok()) return cursor.status();
    if (cursor->timeline_user_id != target) {
      return absl::InvalidArgumentError(
          "page_token belongs to another user's timeline; send the same "
          "user_id as for the previous page");
    }
    query.before_tweet_id = cursor->before_tweet_id;
  }
  absl::StatusOr<std::vector<storage::TweetRecord>> tweets =
      deps_.tweets->ReadTimelinePage(query);
  if (absl::IsNotFound(tweets.status())) {
    return absl::NotFoundError(absl::StrCat("no user has id ", target));
  }
  if (!tweets.ok()) return tweets.status();

  TimelinePage page;
  page.tweets = *std::move(tweets);
  if (page.tweets.size() > static_cast<std::size_t>(page_size)) {
    page.tweets.resize(page_size);
    page.next_page_token =
        EncodePageToken({target, page.tweets.back().id});
  }
  return page;
}

}  // namespace miniter::rules
