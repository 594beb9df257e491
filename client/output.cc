// output.cc: the CLI's human-readable and JSON output.
#include "client/output.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "google/protobuf/util/json_util.h"

namespace miniter::client {
namespace {

absl::Time ToAbslTime(const google::protobuf::Timestamp& timestamp) {
  return absl::FromUnixSeconds(timestamp.seconds()) +
         absl::Nanoseconds(timestamp.nanos());
}

bool IsShellSafe(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' ||
         c == '_' || c == '.' || c == '/' || c == ':' || c == '=' || c == '+' ||
         c == ',' || c == '@' || c == '%';
}

// "next page: miniter COMMAND [--server=..] [--user_id=N] [--page_size=N]
// --page_token=T [-- QUERY]\n", or nothing without a token. The query goes
// after "--" so that one starting with "-" is not taken for a flag.
std::string NextPageCommand(absl::string_view command,
                            absl::string_view server_flag,
                            std::uint64_t user_id, std::int32_t page_size,
                            absl::string_view next_page_token,
                            absl::string_view query = "") {
  if (next_page_token.empty()) return "";
  std::string out = absl::StrCat("next page: miniter ", command);
  if (!server_flag.empty()) {
    absl::StrAppend(&out, " --server=", ShellQuote(server_flag));
  }
  if (user_id != 0) absl::StrAppend(&out, " --user_id=", user_id);
  if (page_size != 0) absl::StrAppend(&out, " --page_size=", page_size);
  absl::StrAppend(&out, " --page_token=", ShellQuote(next_page_token));
  if (!query.empty()) absl::StrAppend(&out, " -- ", ShellQuote(query));
  absl::StrAppend(&out, "\n");
  return out;
}

// One block per tweet, then the next-page command (FormatTimeline).
std::string FormatTweetPage(
    absl::string_view command, std::uint64_t user_id, std::int32_t page_size,
    bool first_page,
    const google::protobuf::RepeatedPtrField<miniter::v1::Tweet>& tweets,
    absl::string_view next_page_token, absl::string_view server_flag) {
  std::string out;
  if (tweets.empty()) {
    out = first_page ? "(no tweets)\n" : "(no more tweets)\n";
  }
  for (const miniter::v1::Tweet& tweet : tweets) {
    absl::StrAppend(&out, "#", tweet.id(), "  ",
                    SanitizeForTerminal(tweet.author_name(), false), " (user ",
                    tweet.author_id(), ")  ",
                    FormatTimestamp(tweet.created_at()), "\n");
    for (absl::string_view line :
         absl::StrSplit(SanitizeForTerminal(tweet.text(), true), '\n')) {
      absl::StrAppend(&out, "    ", line, "\n");
    }
  }
  absl::StrAppend(&out, NextPageCommand(command, server_flag, user_id,
                                        page_size, next_page_token));
  return out;
}

}  // namespace

std::string FormatTimestamp(const google::protobuf::Timestamp& timestamp) {
  if (timestamp.seconds() == 0 && timestamp.nanos() == 0) return "-";
  return absl::FormatTime("%Y-%m-%d %H:%M:%S UTC", ToAbslTime(timestamp),
                          absl::UTCTimeZone());
}

std::string SanitizeForTerminal(absl::string_view text, bool keep_newlines) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == '\n' && keep_newlines) {
      out.push_back('\n');
    } else if (c < 0x20 && c != '\t') {
      absl::StrAppendFormat(&out, "\\x%02x", c);
    } else if (c == 0x7f) {
      out.append("\\x7f");
    } else if (c == 0xc2 && i + 1 < text.size() &&
               static_cast<unsigned char>(text[i + 1]) >= 0x80 &&
               static_cast<unsigned char>(text[i + 1]) <= 0x9f) {
      // U+0080..U+009F in UTF-8: C1 controls, e.g. U+009B (CSI) starts an
      // escape sequence on some terminals just like ESC [ does.
      absl::StrAppendFormat(&out, "\\u%04x",
                            static_cast<unsigned char>(text[i + 1]));
      ++i;
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  return out;
}

std::string ShellQuote(absl::string_view word) {
  if (!word.empty() && std::all_of(word.begin(), word.end(), IsShellSafe)) {
    return std::string(word);
  }
  std::string out = "'";
  for (char c : word) {
    if (c == '\'') {
      out.append("'\\''");
    } else {
      out.push_back(c);
    }
  }
  out.push_back('\'');
  return out;
}

std::string FormatUser(const miniter::v1::User& user) {
  std::string out = absl::StrCat("user ", user.id(), " \"",
                                 SanitizeForTerminal(user.name(), false), "\"");
  if (!user.email().empty()) {
    absl::StrAppend(&out, " <", SanitizeForTerminal(user.email(), false), ">");
  }
  return out;
}

std::string FormatSignUp(const miniter::v1::SignUpResponse& response) {
  return absl::StrCat("signed up: ", FormatUser(response.user()), "\n");
}

std::string FormatLogin(const miniter::v1::LoginResponse& response,
                        absl::string_view token_path) {
  std::string out = absl::StrCat("logged in as user ", response.user_id(),
                                 "; token saved to ", token_path);
  if (response.has_expires_at()) {
    absl::StrAppend(&out, " (expires ", FormatTimestamp(response.expires_at()),
                    ")");
  }
  out.push_back('\n');
  return out;
}

std::string FormatTweet(const miniter::v1::TweetResponse& response) {
  return absl::StrCat("tweeted #", response.tweet().id(), " at ",
                      FormatTimestamp(response.tweet().created_at()), "\n");
}

std::string FormatTimeline(const miniter::v1::TimelineRequest& request,
                           const miniter::v1::TimelineResponse& response,
                           absl::string_view server_flag) {
  return FormatTweetPage("timeline", request.user_id(), request.page_size(),
                         request.page_token().empty(), response.tweets(),
                         response.next_page_token(), server_flag);
}

std::string FormatUserTweets(const miniter::v1::UserTweetsRequest& request,
                             const miniter::v1::UserTweetsResponse& response,
                             absl::string_view server_flag) {
  return FormatTweetPage("tweets", request.user_id(), request.page_size(),
                         request.page_token().empty(), response.tweets(),
                         response.next_page_token(), server_flag);
}

std::string FormatUserList(
    absl::string_view command, std::uint64_t user_id, std::int32_t page_size,
    bool first_page,
    const google::protobuf::RepeatedPtrField<miniter::v1::User>& users,
    absl::string_view next_page_token, absl::string_view server_flag) {
  std::string out;
  if (users.empty()) out = first_page ? "(nobody)\n" : "(no more users)\n";
  for (const miniter::v1::User& user : users) {
    absl::StrAppend(&out, FormatUser(user), "\n");
  }
  absl::StrAppend(&out, NextPageCommand(command, server_flag, user_id,
                                        page_size, next_page_token));
  return out;
}

std::string FormatWatchEvent(const miniter::v1::WatchTimelineResponse& event) {
  if (event.has_tweet()) {
    miniter::v1::TimelineResponse one;
    *one.add_tweets() = event.tweet();
    return FormatTimeline(miniter::v1::TimelineRequest(), one, "");
  }
  if (event.has_gap()) {
    return absl::StrCat(
        "(more tweets were missed than a stream replays; those older than #",
        event.gap().oldest_replayed_tweet_id(), " are in miniter timeline)\n");
  }
  return "";
}

std::string FormatProfile(const miniter::v1::GetUserResponse& response) {
  const miniter::v1::User& user = response.user();
  std::string out = absl::StrCat(
      FormatUser(user), "\n    ", response.follower_count(),
      response.follower_count() == 1 ? " follower, " : " followers, ",
      response.following_count(), " following, joined ",
      FormatTimestamp(user.created_at()), "\n");
  if (!user.profile().empty()) {
    for (absl::string_view line :
         absl::StrSplit(SanitizeForTerminal(user.profile(), true), '\n')) {
      absl::StrAppend(&out, "    ", line, "\n");
    }
  }
  return out;
}

std::string FormatSearch(const miniter::v1::SearchUsersRequest& request,
                         const miniter::v1::SearchUsersResponse& response,
                         absl::string_view server_flag) {
  std::string out;
  if (response.users().empty()) {
    out = request.page_token().empty() ? "(no users)\n" : "(no more users)\n";
  }
  for (const miniter::v1::User& user : response.users()) {
    absl::StrAppend(&out, FormatUser(user), "\n");
  }
  absl::StrAppend(&out,
                  NextPageCommand("search", server_flag, 0, request.page_size(),
                                  response.next_page_token(), request.query()));
  return out;
}

absl::StatusOr<std::string> ToJson(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  std::string json;
  google::protobuf::util::Status status =
      google::protobuf::util::MessageToJsonString(message, &json, options);
  if (!status.ok()) {
    return absl::InternalError(
        absl::StrCat("cannot print as JSON: ", status.ToString()));
  }
  return json;
}

}  // namespace miniter::client
