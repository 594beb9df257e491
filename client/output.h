// output.h: what the CLI prints for each response, as plain functions so the
// wording can be tested without a server.
#ifndef MINITER_CLIENT_OUTPUT_H_
#define MINITER_CLIENT_OUTPUT_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"
#include "google/protobuf/timestamp.pb.h"
#include "miniter/v1/miniter.pb.h"

namespace miniter::client {

// "2026-11-26 12:00:01 UTC"; "-" when the timestamp is unset.
std::string FormatTimestamp(const google::protobuf::Timestamp& timestamp);

// Makes text written by other users safe to print on a terminal: control
// characters (C0, DEL, C1) are shown as \xNN / \u00NN escapes instead of
// being interpreted (think ESC sequences that retitle the window or hide
// text). Newlines survive only when `keep_newlines`.
std::string SanitizeForTerminal(absl::string_view text, bool keep_newlines);

// Quotes `word` for a POSIX shell when it needs quoting, so a printed
// command can be pasted back.
std::string ShellQuote(absl::string_view word);

// user 3 "Ann" <ann@example.com>, or user 3 "Ann" when the e-mail is not
// shown (someone else's account).
std::string FormatUser(const miniter::v1::User& user);

// signed up: user 3 "Ann" <ann@example.com>
std::string FormatSignUp(const miniter::v1::SignUpResponse& response);

// logged in as user 3; token saved to PATH (expires 2026-11-27 12:00:00 UTC)
// Never contains the token itself.
std::string FormatLogin(const miniter::v1::LoginResponse& response,
                        absl::string_view token_path);

// tweeted #12 at 2026-11-26 12:00:01 UTC
std::string FormatTweet(const miniter::v1::TweetResponse& response);

// One block per tweet, newest first:
//   #12  Ann (user 3)  2026-11-26 12:00:01 UTC
//       first line of the text
//       second line
// then, when there are older tweets, the command that fetches them:
//   next page: miniter timeline --user_id=3 --page_token=...
// `server_flag` is repeated in that command when not empty (pass the
// --server value only when the user gave one).
std::string FormatTimeline(const miniter::v1::TimelineRequest& request,
                           const miniter::v1::TimelineResponse& response,
                           absl::string_view server_flag);

// UserTweets as Timeline is shown, the next-page command being
// `miniter tweets`.
std::string FormatUserTweets(const miniter::v1::UserTweetsRequest& request,
                             const miniter::v1::UserTweetsResponse& response,
                             absl::string_view server_flag);

// A page of ListFollowing or ListFollowers: one FormatUser line per
// account, most recent edge first, then, when there are more, the command
// that fetches them (`command`: "following" or "followers"), as for
// FormatTimeline. `users` and `next_page_token` are the response's.
std::string FormatUserList(
    absl::string_view command, std::uint64_t user_id, std::int32_t page_size,
    bool first_page,
    const google::protobuf::RepeatedPtrField<miniter::v1::User>& users,
    absl::string_view next_page_token, absl::string_view server_flag);

// One WatchTimeline event: a tweet as one FormatTimeline block, a gap as a
// note that older missed tweets are in `miniter timeline`, a heartbeat as
// nothing.
std::string FormatWatchEvent(const miniter::v1::WatchTimelineResponse& event);

// A profile (GetUser), the e-mail address only when the server sent it:
//   user 3 "Ann" <ann@example.com>
//       5 followers, 2 following, joined 2026-11-26 12:00:01 UTC
//       profile text, each line indented
std::string FormatProfile(const miniter::v1::GetUserResponse& response);

// One line per user found, in the server's order:
//   user 3 "Ann"
// then, when there are more, the command that fetches them:
//   next page: miniter search --page_token=... -- Ann
// (`server_flag` as for FormatTimeline).
std::string FormatSearch(const miniter::v1::SearchUsersRequest& request,
                         const miniter::v1::SearchUsersResponse& response,
                         absl::string_view server_flag);

// The message as one line of JSON with the .proto field names
// (access_token, next_page_token), as grpcurl shows them.
absl::StatusOr<std::string> ToJson(const google::protobuf::Message& message);

}  // namespace miniter::client

#endif  // MINITER_CLIENT_OUTPUT_H_
