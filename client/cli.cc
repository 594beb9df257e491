// cli.cc: the `miniter` subcommands — argument checks, password and token
// handling, one RPC each, and what gets printed.
#include "client/cli.h"

#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <iostream>
#include <iterator>
#include <map>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "client/bash_completion.h"
#include "client/command_line.h"
#include "client/exit_codes.h"
#include "client/output.h"
#include "client/password_prompt.h"
#include "client/token_store.h"
#include "client/usage.h"
#include "client/version.h"
#include "miniter/client/miniter_client.h"

namespace miniter::client {
namespace {

constexpr char kDefaultServer[] = "127.0.0.1:50051";

// State shared by one run of one subcommand.
struct Context {
  const CommandLine& cl;
  const CliEnvironment& env;
  std::string server;
  MiniterClient client;
  // Filled in by UseSavedToken(), for the hints after an error.
  bool sent_token = false;
};

std::optional<std::string> GetEnv(const Context& c, const std::string& name) {
  return c.env.getenv ? c.env.getenv(name) : std::nullopt;
}

absl::StatusOr<TokenStore> OpenTokenStore(const CliEnvironment& env) {
  auto get = [&](const char* name) {
    return env.getenv ? env.getenv(name) : std::nullopt;
  };
  absl::StatusOr<std::string> path =
      TokenPathFromEnv(get("XDG_CONFIG_HOME"), get("HOME"));
  if (!path.ok()) return LocalError(path.status());
  return TokenStore(*std::move(path));
}

// Picks the token for calls that need one and tells the client about it.
absl::Status UseSavedToken(Context& c) {
  std::optional<std::string> env_token = GetEnv(c, "MINITER_TOKEN");
  absl::StatusOr<TokenStore> store = OpenTokenStore(c.env);
  if (!store.ok()) {
    // No place for a token file is only a problem if we need the file.
    if (env_token.has_value() && !env_token->empty()) {
      c.client.set_access_token(*env_token);
      c.sent_token = true;
    }
    return absl::OkStatus();
  }
  absl::StatusOr<ResolvedToken> token =
      ResolveAccessToken(env_token, *store, c.server);
  if (!token.ok()) return LocalError(token.status());
  if (!token->warning.empty()) {
    *c.env.err << "miniter: warning: " << token->warning << "\n";
  }
  c.sent_token = !token->access_token.empty();
  c.client.set_access_token(std::move(token->access_token));
  return absl::OkStatus();
}

// --password, else $MINITER_PASSWORD, else a no-echo prompt on a terminal,
// else one line of stdin (for scripts: `printf %s "$pw" | miniter login`).
absl::StatusOr<std::string> GetPassword(Context& c, bool confirm) {
  if (c.cl.given.count("password")) return c.cl.password;
  if (std::optional<std::string> env = GetEnv(c, "MINITER_PASSWORD");
      env.has_value() && !env->empty()) {
    return *env;
  }
  if (c.env.stdin_is_tty && c.env.prompt_password) {
    absl::StatusOr<std::string> password = c.env.prompt_password("Password: ");
    if (!password.ok()) return LocalError(password.status());
    if (confirm) {
      absl::StatusOr<std::string> again =
          c.env.prompt_password("Repeat password: ");
      if (!again.ok()) return LocalError(again.status());
      if (*again != *password) {
        return LocalError(
            absl::InvalidArgumentError("the passwords do not match"));
      }
    }
    return password;
  }
  std::string line;
  if (c.env.in == nullptr || !std::getline(*c.env.in, line)) {
    return UsageError(
        "no password: pass --password, set MINITER_PASSWORD or give it on "
        "stdin");
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

absl::Status Print(Context& c, const google::protobuf::Message& message,
                   const std::string& text) {
  if (c.cl.json) {
    absl::StatusOr<std::string> json = ToJson(message);
    if (!json.ok()) return LocalError(json.status());
    *c.env.out << *json << "\n";
  } else {
    *c.env.out << text;
  }
  return absl::OkStatus();
}

absl::Status NoPositional(const Context& c) {
  if (c.cl.args.empty()) return absl::OkStatus();
  return UsageError(absl::StrCat("unexpected argument: ", c.cl.args.front()));
}

absl::Status RequireFlag(const Context& c, const std::string& name,
                         const std::string& value) {
  if (!value.empty()) return absl::OkStatus();
  return UsageError(absl::StrCat(c.cl.command, " needs --", name));
}

// A user id from the one positional argument or --user_id, not both.
// Zero means "none given" (the API treats 0 as absent).
absl::StatusOr<uint64_t> UserIdArgument(const Context& c) {
  if (c.cl.args.size() > 1) {
    return UsageError(absl::StrCat("unexpected argument: ", c.cl.args[1]));
  }
  if (c.cl.args.empty()) return c.cl.user_id;
  if (c.cl.given.count("user_id")) {
    return UsageError("give the user id as an argument or --user_id, not both");
  }
  uint64_t id = 0;
  if (!absl::SimpleAtoi(c.cl.args.front(), &id) || id == 0) {
    return UsageError(absl::StrCat("not a user id: ", c.cl.args.front()));
  }
  return id;
}

absl::Status RunSignUp(Context& c) {
  if (absl::Status s = NoPositional(c); !s.ok()) return s;
  if (absl::Status s = RequireFlag(c, "name", c.cl.name); !s.ok()) return s;
  if (absl::Status s = RequireFlag(c, "email", c.cl.email); !s.ok()) return s;
  absl::StatusOr<std::string> password = GetPassword(c, /*confirm=*/true);
  if (!password.ok()) return password.status();

  miniter::v1::SignUpRequest request;
  request.set_name(c.cl.name);
  request.set_email(c.cl.email);
  request.set_password(*std::move(password));
  request.set_profile(c.cl.profile);
  absl::StatusOr<miniter::v1::SignUpResponse> response =
      c.client.SignUp(request);
  if (!response.ok()) return response.status();
  return Print(c, *response, FormatSignUp(*response));
}

absl::Status RunLogin(Context& c) {
  if (absl::Status s = NoPositional(c); !s.ok()) return s;
  if (absl::Status s = RequireFlag(c, "email", c.cl.email); !s.ok()) return s;
  // Fail before asking for the password if the token cannot be kept.
  absl::StatusOr<TokenStore> store = OpenTokenStore(c.env);
  if (!store.ok()) return store.status();
  absl::StatusOr<std::string> password = GetPassword(c, /*confirm=*/false);
  if (!password.ok()) return password.status();

  miniter::v1::LoginRequest request;
  request.set_email(c.cl.email);
  request.set_password(*std::move(password));
  absl::StatusOr<miniter::v1::LoginResponse> response = c.client.Login(request);
  if (!response.ok()) return response.status();

  StoredToken token;
  token.server = c.server;
  token.access_token = response->access_token();
  token.user_id = response->user_id();
  if (response->has_expires_at()) {
    token.expires_at = absl::FromUnixSeconds(response->expires_at().seconds());
  }
  if (absl::Status s = store->Save(token); !s.ok()) {
    return LocalError(absl::Status(
        s.code(), absl::StrCat("logged in, but the token could not be saved: ",
                               s.message())));
  }

  if (c.cl.json) {
    // The token is already in the file; JSON output is often logged or
    // pasted, so it carries the token only when asked for explicitly.
    miniter::v1::LoginResponse shown = *response;
    if (!c.cl.print_token) shown.clear_access_token();
    return Print(c, shown, "");
  }
  if (c.cl.print_token) {
    // stdout gets the bare token (for `export MINITER_TOKEN=$(...)`); the
    // human-readable line goes to stderr so it does not end up in the value.
    *c.env.err << FormatLogin(*response, store->path());
    *c.env.out << response->access_token() << "\n";
    return absl::OkStatus();
  }
  *c.env.out << FormatLogin(*response, store->path());
  return absl::OkStatus();
}

absl::Status RunTweet(Context& c) {
  std::string text;
  if (c.cl.given.count("text")) {
    if (!c.cl.args.empty()) {
      return UsageError("give the text as arguments or --text, not both");
    }
    text = c.cl.text;
  } else if (c.cl.args.size() == 1 && c.cl.args.front() == "-") {
    if (c.env.in == nullptr) {
      return UsageError("no stdin to read the tweet from");
    }
    text.assign(std::istreambuf_iterator<char>(*c.env.in),
                std::istreambuf_iterator<char>());
    if (!text.empty() && text.back() == '\n') text.pop_back();
  } else if (!c.cl.args.empty()) {
    // Like echo: `miniter tweet hello world` tweets "hello world".
    text = absl::StrJoin(c.cl.args, " ");
  } else {
    return UsageError("tweet needs text: miniter tweet \"hello\"");
  }
  if (absl::Status s = UseSavedToken(c); !s.ok()) return s;

  miniter::v1::TweetRequest request;
  request.set_text(text);
  // Empty: MiniterClient::Tweet picks a random id. A script that may re-run
  // the command after a lost answer passes its own, the same each time.
  request.set_request_id(c.cl.request_id);
  absl::StatusOr<miniter::v1::TweetResponse> response = c.client.Tweet(request);
  if (!response.ok()) return response.status();
  return Print(c, *response, FormatTweet(*response));
}

absl::Status RunFollow(Context& c) {
  absl::StatusOr<uint64_t> id = UserIdArgument(c);
  if (!id.ok()) return id.status();
  if (*id == 0) return UsageError("follow needs a user id: miniter follow 42");
  if (absl::Status s = UseSavedToken(c); !s.ok()) return s;

  miniter::v1::FollowRequest request;
  request.set_user_id(*id);
  absl::StatusOr<miniter::v1::FollowResponse> response =
      c.client.Follow(request);
  if (!response.ok()) return response.status();
  return Print(c, *response, absl::StrCat("following user ", *id, "\n"));
}

absl::Status RunUnfollow(Context& c) {
  absl::StatusOr<uint64_t> id = UserIdArgument(c);
  if (!id.ok()) return id.status();
  if (*id == 0) {
    return UsageError("unfollow needs a user id: miniter unfollow 42");
  }
  if (absl::Status s = UseSavedToken(c); !s.ok()) return s;

  miniter::v1::UnfollowRequest request;
  request.set_user_id(*id);
  absl::StatusOr<miniter::v1::UnfollowResponse> response =
      c.client.Unfollow(request);
  if (!response.ok()) return response.status();
  return Print(c, *response,
               absl::StrCat("no longer following user ", *id, "\n"));
}

// The --server value for a next-page command: only when the user gave one.
std::string ServerFlag(const Context& c) {
  return c.cl.given.count("server") ? c.server : std::string();
}

absl::Status RunTimeline(Context& c) {
  absl::StatusOr<uint64_t> id = UserIdArgument(c);
  if (!id.ok()) return id.status();
  if (absl::Status s = UseSavedToken(c); !s.ok()) return s;

  miniter::v1::TimelineRequest request;
  request.set_user_id(*id);
  request.set_page_size(c.cl.page_size);
  request.set_page_token(c.cl.page_token);
  absl::StatusOr<miniter::v1::TimelineResponse> response =
      c.client.Timeline(request);
  if (!response.ok()) return response.status();
  return Print(c, *response, FormatTimeline(request, *response, ServerFlag(c)));
}

absl::Status RunTweets(Context& c) {
  absl::StatusOr<uint64_t> id = UserIdArgument(c);
  if (!id.ok()) return id.status();
  if (absl::Status s = UseSavedToken(c); !s.ok()) return s;

  miniter::v1::UserTweetsRequest request;
  request.set_user_id(*id);
  request.set_page_size(c.cl.page_size);
  request.set_page_token(c.cl.page_token);
  absl::StatusOr<miniter::v1::UserTweetsResponse> response =
      c.client.UserTweets(request);
  if (!response.ok()) return response.status();
  return Print(c, *response,
               FormatUserTweets(request, *response, ServerFlag(c)));
}

// `miniter following` and `miniter followers`: the same request and
// response fields, so one body for both.
template <typename Request, typename Response>
absl::Status RunUserList(
    Context& c,
    absl::StatusOr<Response> (MiniterClient::*call)(const Request&) const) {
  absl::StatusOr<uint64_t> id = UserIdArgument(c);
  if (!id.ok()) return id.status();
  if (absl::Status s = UseSavedToken(c); !s.ok()) return s;

  Request request;
  request.set_user_id(*id);
  request.set_page_size(c.cl.page_size);
  request.set_page_token(c.cl.page_token);
  absl::StatusOr<Response> response = (c.client.*call)(request);
  if (!response.ok()) return response.status();
  return Print(
      c, *response,
      FormatUserList(c.cl.command, request.user_id(), request.page_size(),
                     request.page_token().empty(), response->users(),
                     response->next_page_token(), ServerFlag(c)));
}

absl::Status RunFollowing(Context& c) {
  return RunUserList(c, &MiniterClient::ListFollowing);
}

absl::Status RunFollowers(Context& c) {
  return RunUserList(c, &MiniterClient::ListFollowers);
}

absl::Status RunWatch(Context& c) {
  if (absl::Status s = NoPositional(c); !s.ok()) return s;
  if (absl::Status s = UseSavedToken(c); !s.ok()) return s;

  miniter::v1::WatchTimelineRequest request;
  request.set_resume_cursor(c.cl.resume_cursor);
  std::string cursor = c.cl.resume_cursor;
  absl::Status printed = absl::OkStatus();
  absl::Status ended = c.client.WatchTimeline(
      request,
      [&](const miniter::v1::WatchTimelineResponse& event) {
        // Heartbeats print only as JSON, where a script may want them.
        if (c.cl.json || !event.has_heartbeat()) {
          printed = Print(c, event, FormatWatchEvent(event));
          c.env.out->flush();
        }
        return printed.ok();
      },
      &cursor);
  if (!printed.ok()) return printed;
  if (!ended.ok() && !cursor.empty()) {
    *c.env.err << "miniter: to continue where this stopped: miniter watch "
                  "--resume_cursor="
               << cursor << "\n";
  }
  return ended;
}

absl::Status RunUser(Context& c) {
  absl::StatusOr<uint64_t> id = UserIdArgument(c);
  if (!id.ok()) return id.status();
  if (absl::Status s = UseSavedToken(c); !s.ok()) return s;

  miniter::v1::GetUserRequest request;
  request.set_user_id(*id);
  absl::StatusOr<miniter::v1::GetUserResponse> response =
      c.client.GetUser(request);
  if (!response.ok()) return response.status();
  return Print(c, *response, FormatProfile(*response));
}

absl::Status RunSearch(Context& c) {
  // The words, as `tweet` takes them: `miniter search Ann Lee` looks for
  // "Ann Lee".
  if (c.cl.args.empty()) {
    return UsageError("search needs the start of a name: miniter search Ann");
  }
  if (absl::Status s = UseSavedToken(c); !s.ok()) return s;

  miniter::v1::SearchUsersRequest request;
  request.set_query(absl::StrJoin(c.cl.args, " "));
  request.set_page_size(c.cl.page_size);
  request.set_page_token(c.cl.page_token);
  absl::StatusOr<miniter::v1::SearchUsersResponse> response =
      c.client.SearchUsers(request);
  if (!response.ok()) return response.status();
  const std::string server_flag =
      c.cl.given.count("server") ? c.server : std::string();
  return Print(c, *response, FormatSearch(request, *response, server_flag));
}

absl::Status RunLogout(Context& c) {
  if (absl::Status s = NoPositional(c); !s.ok()) return s;
  absl::StatusOr<TokenStore> store = OpenTokenStore(c.env);
  if (!store.ok()) return store.status();
  absl::Status removed = store->Remove();
  if (absl::IsNotFound(removed)) {
    *c.env.out << "not logged in (no token at " << store->path() << ")\n";
  } else if (!removed.ok()) {
    return LocalError(removed);
  } else {
    // There is no revocation RPC: forgetting the token is all we can do.
    *c.env.out << "logged out: deleted " << store->path()
               << " (the token itself stays valid until it expires)\n";
  }
  if (std::optional<std::string> env = GetEnv(c, "MINITER_TOKEN");
      env.has_value() && !env->empty()) {
    *c.env.err << "miniter: warning: MINITER_TOKEN is set and is still used\n";
  }
  return absl::OkStatus();
}

// What each command does; the command table (command_line.cc) says how it
// is spelled and what it takes. help and completion need no server: RunCli
// answers them itself.
using Runner = absl::Status (*)(Context&);

const std::map<std::string, Runner>& Runners() {
  static const auto* const kRunners = new std::map<std::string, Runner>{
      {"signup", &RunSignUp},       {"login", &RunLogin},
      {"tweet", &RunTweet},         {"follow", &RunFollow},
      {"unfollow", &RunUnfollow},   {"timeline", &RunTimeline},
      {"user", &RunUser},           {"search", &RunSearch},
      {"tweets", &RunTweets},       {"following", &RunFollowing},
      {"followers", &RunFollowers}, {"watch", &RunWatch},
      {"logout", &RunLogout},
  };
  return *kRunners;
}

int UsageFailure(const CliEnvironment& env, const CommandTable& table,
                 const absl::Status& status, const CLI::App* command) {
  *env.err << FormatError(status) << "\n";
  if (command != nullptr) {
    *env.err << "usage: miniter " << table.Synopsis(*command) << "\n";
  }
  *env.err << "Run 'miniter help' for more.\n";
  return kExitUsage;
}

// `miniter help [command]`.
int RunHelp(const CliEnvironment& env, const CommandTable& table,
            const CommandLine& cl) {
  if (cl.args.empty()) {
    *env.out << Usage(table);
    return kExitOk;
  }
  const CLI::App* command = table.FindCommand(cl.args.front());
  if (command == nullptr || cl.args.size() > 1) {
    return UsageFailure(
        env, table,
        UsageError(absl::StrCat("no such command: ", cl.args.front())),
        nullptr);
  }
  *env.out << CommandUsage(table, *command);
  return kExitOk;
}

// `miniter completion bash`.
int RunCompletion(const CliEnvironment& env, const CommandTable& table,
                  const CommandLine& cl) {
  if (cl.args.size() != 1 || cl.args.front() != "bash") {
    return UsageFailure(
        env, table,
        UsageError("completion needs the shell, and bash is the one there "
                   "is: miniter completion bash"),
        table.FindCommand(cl.command));
  }
  *env.out << BashCompletionScript(table);
  return kExitOk;
}

// Extra advice after an error, for the cases where the fix is on our side.
void PrintHint(const Context& c, const absl::Status& status) {
  if (status.code() == absl::StatusCode::kUnauthenticated &&
      c.cl.command != "login") {
    *c.env.err << (c.sent_token
                       ? "miniter: hint: the token may have expired; run "
                         "`miniter login` again\n"
                       : "miniter: hint: not logged in; run `miniter login "
                         "--email=...` first\n");
  } else if (status.code() == absl::StatusCode::kUnavailable ||
             status.code() == absl::StatusCode::kDeadlineExceeded) {
    *c.env.err << "miniter: hint: is the server at " << c.server
               << " up? (set --server or MINITER_SERVER)\n";
  }
}

}  // namespace

CliEnvironment ProcessEnvironment() {
  CliEnvironment env;
  env.in = &std::cin;
  env.out = &std::cout;
  env.err = &std::cerr;
  env.getenv = [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
  env.stdin_is_tty = isatty(STDIN_FILENO) == 1;
  env.prompt_password = &PromptPasswordNoEcho;
  return env;
}

int RunCli(const std::vector<std::string>& args, const CliEnvironment& env) {
  CommandTable table;
  absl::StatusOr<CommandLine> cl = table.Parse(args);
  if (!cl.ok()) {
    return UsageFailure(env, table, cl.status(), table.ParsedCommand());
  }
  if (cl->version) {
    *env.out << VersionLine() << "\n";
    return kExitOk;
  }
  if (cl->command.empty()) {
    *env.err << Usage(table);
    return kExitUsage;
  }
  if (cl->command == "help") return RunHelp(env, table, *cl);
  if (cl->command == "completion") return RunCompletion(env, table, *cl);

  const CLI::App* command = table.FindCommand(cl->command);
  auto runner = Runners().find(cl->command);
  if (runner == Runners().end()) {
    // The table has a command this file does not implement: our bug.
    *env.err << FormatError(LocalError(absl::InternalError(
                    absl::StrCat("no handler for the command ", cl->command))))
             << "\n";
    return kExitLocalError;
  }
  if (!(cl->deadline_seconds > 0) || !std::isfinite(cl->deadline_seconds)) {
    return UsageFailure(env, table,
                        UsageError("--deadline must be a positive number"),
                        command);
  }

  std::string server = cl->server;
  if (!cl->given.count("server")) {
    std::optional<std::string> from_env =
        env.getenv ? env.getenv("MINITER_SERVER") : std::nullopt;
    server =
        from_env.has_value() && !from_env->empty() ? *from_env : kDefaultServer;
  }
  if (server.empty()) {
    return UsageFailure(env, table, UsageError("--server must not be empty"),
                        command);
  }

  if (cl->given.count("tls") && !cl->tls && !cl->tls_ca_file.empty()) {
    return UsageFailure(
        env, table, UsageError("--notls contradicts --tls_ca_file"), command);
  }

  ClientOptions options;
  options.deadline = absl::Seconds(cl->deadline_seconds);
  // A CA file only makes sense over TLS, so it turns TLS on by itself.
  options.tls.enabled = cl->tls || !cl->tls_ca_file.empty();
  options.tls.root_ca_file = cl->tls_ca_file;
  absl::StatusOr<MiniterClient> client =
      MiniterClient::Connect(server, options);
  if (!client.ok()) {
    // Only local causes are left here (an unreadable CA file), so exit 1,
    // whatever the file's error code would mean coming from the server.
    const absl::Status local = LocalError(client.status());
    *env.err << FormatError(local) << "\n";
    return ExitCodeFor(local);
  }
  Context context{*cl, env, server, *std::move(client)};
  absl::Status status = runner->second(context);
  if (status.ok()) return kExitOk;
  if (IsUsageError(status)) return UsageFailure(env, table, status, command);
  // The message is the server's own text; defuse any terminal escapes in it.
  *env.err << SanitizeForTerminal(FormatError(status), false) << "\n";
  PrintHint(context, status);
  return ExitCodeFor(status);
}

}  // namespace miniter::client
