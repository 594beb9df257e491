// command_line.cc: the CLI's command table (every command and flag, once)
// and the parser that fills a CommandLine from it.
#include "client/command_line.h"

#include <algorithm>
#include <functional>
#include <utility>

#include "CLI/CLI.hpp"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "client/exit_codes.h"

namespace miniter::client {
namespace {

bool LooksLikeNegativeNumber(absl::string_view arg) {
  return arg.size() >= 2 && arg[0] == '-' &&
         absl::ascii_isdigit(static_cast<unsigned char>(arg[1]));
}

// "-x", "--name", "--name=value"; not "-", "-5" or "--".
bool IsFlagLike(absl::string_view arg) {
  return arg.size() >= 2 && arg[0] == '-' && !LooksLikeNegativeNumber(arg);
}

// The name of a flag-like argument: no dashes in front, no "=value", and
// '_' for '-' ("--page-size=5" -> "page_size").
std::string FlagName(absl::string_view arg) {
  arg.remove_prefix(absl::StartsWith(arg, "--") ? 2 : 1);
  std::string name(arg.substr(0, arg.find('=')));
  absl::StrReplaceAll({{"-", "_"}}, &name);
  return name;
}

// Decimal digits (and a leading '-' when `allow_minus`), as ids and counts
// are written: CLI11 by itself reads "-1" as 2^64-1 for an unsigned value
// and "010" as octal.
CLI::Validator DecimalInteger(bool allow_minus) {
  return CLI::Validator(
      [allow_minus](std::string& value) -> std::string {
        absl::string_view digits = value;
        if (allow_minus) absl::ConsumePrefix(&digits, "-");
        if (digits.empty() ||
            !std::all_of(digits.begin(), digits.end(), [](char c) {
              return absl::ascii_isdigit(static_cast<unsigned char>(c));
            })) {
          return absl::StrCat("not a whole number: ", value);
        }
        return std::string();
      },
      "", "decimal");
}

// --name=<placeholder>, bound to *value.
template <typename T>
CLI::Option* AddValueFlag(CLI::App* app, const char* name, T* value,
                          const char* placeholder, const char* help) {
  return app->add_option(absl::StrCat("--", name), *value, help)
      ->type_name(placeholder);
}

// --name sets *value, --noname clears it (absl's spelling, kept).
CLI::Option* AddSwitch(CLI::App* app, const char* name, bool* value,
                       const char* help) {
  return app->add_flag(absl::StrCat("--", name, ",!--no", name), *value, help);
}

}  // namespace

CommandTable::CommandTable()
    : app_(std::make_unique<CLI::App>(
          "a command-line client for the miniter service.", "miniter")) {
  CommandLine& v = values_;
  CLI::App* app = app_.get();
  // Errors and help are ours to print (exit_codes.h, usage.h), so CLI11's
  // own help flag goes; flags given twice keep the last value, as before.
  app->set_help_flag();
  app->allow_extras();  // Parse() words the errors for what it did not take
  app->require_subcommand(0, 1);
  app->option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);

  // Global flags: every command takes them.
  AddValueFlag(app, "server", &v.server, "<host:port>",
               "server address host:port, or several IP:port,IP:port for "
               "client-side round robin (default: $MINITER_SERVER, else "
               "127.0.0.1:50051)");
  AddSwitch(app, "json", &v.json,
            "print the server's response as JSON (proto field names)");
  AddValueFlag(app, "deadline", &v.deadline_seconds, "<seconds>",
               "give up on a call after this many seconds")
      ->capture_default_str();
  AddSwitch(app, "tls", &v.tls,
            "connect with TLS (the server's certificate must be signed by a "
            "trusted CA; see --tls_ca_file)");
  AddValueFlag(app, "tls_ca_file", &v.tls_ca_file, kFilePlaceholder,
               "PEM file of the CA that signed the server's certificate "
               "(implies --tls; default: the system's roots)");
  app->add_flag("--version", v.version,
                "print the version and the git revision, and exit")
      ->group(kInfoFlagGroup);
  app->add_flag("-h,--help", help_,
                "show this text; after a command, that command's flags")
      ->group(kInfoFlagGroup);

  // Commands, in the order help lists them. A command's positional
  // arguments all land in CommandLine::args (the command checks how many);
  // every command has that catch-all so that a word like "follow" in
  // `miniter tweet I follow` stays text.
  auto add_command = [&](const char* name, const char* synopsis,
                         const char* summary) {
    CLI::App* command = app->add_subcommand(name, summary);
    command->fallthrough();  // global flags after the command too
    synopses_[name] = synopsis;
    return command;
  };
  auto add_arguments = [&](CLI::App* command, const char* placeholder) {
    command->add_option("args", v.args)->type_name(placeholder)->group("");
  };
  auto add_email = [&](CLI::App* command) {
    AddValueFlag(command, "email", &v.email, "<email>", "e-mail address");
  };
  auto add_password = [&](CLI::App* command) {
    AddValueFlag(command, "password", &v.password, "<password>",
                 "password; visible to other local users in the process "
                 "list, prefer $MINITER_PASSWORD or the prompt");
  };
  auto add_user_id = [&](CLI::App* command) {
    AddValueFlag(command, "user_id", &v.user_id, "<n>",
                 "the user; for timeline, tweets, following, followers and "
                 "user whose, default your own")
        ->check(DecimalInteger(/*allow_minus=*/false));
  };

  // One help text for every paged command: usage.h lists a flag once.
  auto add_paging = [&](CLI::App* command) {
    AddValueFlag(command, "page_size", &v.page_size, "<n>",
                 "items per page, 1 to 100")
        ->check(DecimalInteger(/*allow_minus=*/true));
    AddValueFlag(command, "page_token", &v.page_token, "<token>",
                 "continue where the previous page ended");
  };

  CLI::App* signup =
      add_command("signup",
                  "signup --name=<name> --email=<email> [--profile=<text>] "
                  "[--password=<password>]",
                  "create an account (does not log in)");
  AddValueFlag(signup, "name", &v.name, "<name>", "display name");
  add_email(signup);
  AddValueFlag(signup, "profile", &v.profile, "<text>", "profile text");
  add_password(signup);
  add_arguments(signup, "");

  CLI::App* login = add_command(
      "login", "login --email=<email> [--password=<password>] [--print_token]",
      "log in and save the token for later commands");
  add_email(login);
  add_password(login);
  AddSwitch(login, "print_token", &v.print_token,
            "also print the access token to stdout; it is a secret");
  add_arguments(login, "");

  CLI::App* tweet = add_command(
      "tweet", "tweet <text...> | --text=<text> | - [--request_id=<id>]",
      "post a tweet (\"-\" reads the text from stdin)");
  AddValueFlag(tweet, "text", &v.text, "<text>",
               "tweet text, instead of the arguments");
  AddValueFlag(tweet, "request_id", &v.request_id, "<id>",
               "id that makes a repeated tweet store once, e.g. a UUID; "
               "default: a new random one per call");
  add_arguments(tweet, "<text>");

  CLI::App* follow = add_command("follow", "follow <user_id> | --user_id=<n>",
                                 "follow a user");
  add_user_id(follow);
  add_arguments(follow, "<user_id>");

  CLI::App* unfollow =
      add_command("unfollow", "unfollow <user_id> | --user_id=<n>",
                  "stop following a user");
  add_user_id(unfollow);
  add_arguments(unfollow, "<user_id>");

  // The paged reads: whose (a positional id or --user_id, default the
  // caller), page size and the token that continues a walk.
  auto add_paged_read = [&](const char* name, const char* synopsis,
                            const char* summary) {
    CLI::App* command = add_command(name, synopsis, summary);
    add_user_id(command);
    add_paging(command);
    add_arguments(command, "<user_id>");
  };
  add_paged_read("timeline",
                 "timeline [<user_id> | --user_id=<n>] [--page_size=<n>] "
                 "[--page_token=<token>]",
                 "read a timeline, newest first (default: your own)");
  add_paged_read("tweets",
                 "tweets [<user_id> | --user_id=<n>] [--page_size=<n>] "
                 "[--page_token=<token>]",
                 "read the tweets one user wrote, newest first (default: "
                 "yours)");
  add_paged_read("following",
                 "following [<user_id> | --user_id=<n>] [--page_size=<n>] "
                 "[--page_token=<token>]",
                 "list whom a user follows, most recent first (default: "
                 "you)");
  add_paged_read("followers",
                 "followers [<user_id> | --user_id=<n>] [--page_size=<n>] "
                 "[--page_token=<token>]",
                 "list who follows a user, most recent first (default: "
                 "you)");

  CLI::App* watch = add_command(
      "watch", "watch [--resume_cursor=<cursor>]",
      "print your timeline's new tweets as they are posted, until interrupted");
  AddValueFlag(watch, "resume_cursor", &v.resume_cursor, "<cursor>",
               "first print what was missed since the stream that printed "
               "this cursor ended");
  add_arguments(watch, "");

  CLI::App* user = add_command(
      "user", "user [<user_id> | --user_id=<n>]",
      "show a user's profile and follow counts (default: your own)");
  add_user_id(user);
  add_arguments(user, "<user_id>");

  CLI::App* search = add_command(
      "search", "search <name...> [--page_size=<n>] [--page_token=<token>]",
      "find users whose name starts with <name>, ignoring case");
  add_paging(search);
  add_arguments(search, "<name>");

  CLI::App* logout = add_command("logout", "logout", "delete the saved token");
  add_arguments(logout, "");

  CLI::App* help = add_command("help", "help [<command>]",
                               "show this text, or a command's flags");
  add_arguments(help, kCommandPlaceholder);

  CLI::App* completion =
      add_command("completion", "completion bash",
                  "print the bash completion script (the package installs "
                  "it)");
  add_arguments(completion, kShellPlaceholder);

  app->footer(
      "Environment:\n"
      "  MINITER_SERVER    default for --server\n"
      "  MINITER_TOKEN     access token to send instead of the saved one\n"
      "  MINITER_PASSWORD  password for signup/login without --password\n"
      "  XDG_CONFIG_HOME   token file: $XDG_CONFIG_HOME/miniter/token\n"
      "                    (else ~/.config/miniter/token), mode 0600, with\n"
      "                    the server it came from; it goes to that one only\n"
      "\n"
      "The password comes from --password, else $MINITER_PASSWORD, else a\n"
      "prompt without echo on a terminal, else one line of stdin.\n"
      "login --json leaves the token out unless --print_token is given.\n\n"
      "Exit status: 0 ok, 1 local failure (token file, terminal),\n"
      "2 request rejected, 3 not authenticated, 4 unavailable or timed out\n"
      "(retry), 5 server error, 64 usage error.\n");
}

CommandTable::~CommandTable() = default;

std::vector<const CLI::App*> CommandTable::Commands() const {
  const CLI::App& app = *app_;
  return app.get_subcommands(std::function<bool(const CLI::App*)>(
      [](const CLI::App*) { return true; }));
}

const CLI::App* CommandTable::FindCommand(absl::string_view name) const {
  for (const CLI::App* command : Commands()) {
    if (command->get_name() == name) return command;
  }
  return nullptr;
}

const std::string& CommandTable::Synopsis(const CLI::App& command) const {
  return synopses_.at(command.get_name());
}

std::vector<const CLI::Option*> CommandTable::Flags(const CLI::App& app) {
  return app.get_options(
      [](const CLI::Option* option) { return option->nonpositional(); });
}

std::string CommandTable::Spelling(const CLI::Option& flag) {
  std::string out;
  for (const std::string& name : flag.get_snames()) {
    absl::StrAppend(&out, "-", name, ", ");
  }
  absl::StrAppend(&out, "--", flag.get_lnames().front());
  if (flag.get_items_expected_max() > 0) {
    absl::StrAppend(&out, "=", flag.get_type_name());
  }
  return out;
}

const CLI::Option* CommandTable::FindFlag(absl::string_view name) const {
  const std::string spelled = absl::StrCat("--", name);
  const CLI::App& app = *app_;
  if (const CLI::Option* flag = app.get_option_no_throw(spelled)) return flag;
  for (const CLI::App* command : Commands()) {
    if (const CLI::Option* flag = command->get_option_no_throw(spelled)) {
      return flag;
    }
  }
  return nullptr;
}

absl::StatusOr<std::vector<std::string>> CommandTable::Normalize(
    const std::vector<std::string>& args) const {
  std::vector<std::string> out;
  // A command's own flags given before the command wait here until the
  // command is known (CLI11 takes them only after it).
  std::vector<std::string> before_command;
  bool have_command = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (!IsFlagLike(arg)) {
      out.push_back(arg);
      if (!have_command) {
        have_command = true;
        out.insert(out.end(), before_command.begin(), before_command.end());
        before_command.clear();
      }
      continue;
    }
    const std::string name = FlagName(arg);
    const CLI::Option* flag = FindFlag(name);
    if (flag == nullptr) {
      // Unknown, or a short one (-h): CLI11 takes it or Parse() says why not.
      out.push_back(arg);
      continue;
    }
    const size_t eq = arg.find('=');
    std::string value;
    if (eq != std::string::npos) {
      value = arg.substr(eq + 1);
    } else if (flag->get_items_expected_max() > 0) {
      // "--name value": the next argument is the value, whatever it looks
      // like (a page token may start with '-').
      if (i + 1 == args.size()) {
        return UsageError(absl::StrCat("flag --", name, " needs a value"));
      }
      value = args[++i];
    }
    std::vector<std::string> spelled = {absl::StrCat("--", name)};
    if (flag->get_items_expected_max() > 0 && value.empty()) {
      // CLI11 reads "--name=" as "the value is the next argument", so an
      // empty value travels as a separate, empty argument.
      spelled.emplace_back();
    } else if (eq != std::string::npos || !value.empty()) {
      absl::StrAppend(&spelled.front(), "=", value);
    }
    const bool global = app_->get_option_no_throw("--" + name) != nullptr;
    std::vector<std::string>& to =
        have_command || global ? out : before_command;
    to.insert(to.end(), spelled.begin(), spelled.end());
  }
  // No command: CLI11 leaves them over and Parse() reports them.
  out.insert(out.end(), before_command.begin(), before_command.end());
  return out;
}

absl::Status CommandTable::NotTaken(const std::string& arg) const {
  const CLI::App* command = ParsedCommand();
  if (IsFlagLike(arg)) {
    const std::string name = FlagName(arg);
    if (FindFlag(name) == nullptr) {
      return UsageError(absl::StrCat("unknown flag: ", arg));
    }
    if (command == nullptr) {
      return UsageError(absl::StrCat("no command for --", name));
    }
    return UsageError(
        absl::StrCat(command->get_name(), " does not take --", name));
  }
  if (command == nullptr) {
    return UsageError(absl::StrCat("unknown command: ", arg));
  }
  return UsageError(absl::StrCat("unexpected argument: ", arg));
}

const CLI::App* CommandTable::ParsedCommand() const {
  std::vector<CLI::App*> parsed = app_->get_subcommands();
  return parsed.empty() ? nullptr : parsed.front();
}

absl::StatusOr<CommandLine> CommandTable::Parse(
    const std::vector<std::string>& args) {
  // Everything after "--" is positional. CLI11 knows "--" too, but not
  // after a command that passes unknown flags on to the main App, so the
  // tail never reaches it.
  const auto dash_dash = std::find(args.begin(), args.end(), "--");
  std::vector<std::string> tail(
      dash_dash == args.end() ? args.end() : dash_dash + 1, args.end());
  absl::StatusOr<std::vector<std::string>> normalized =
      Normalize(std::vector<std::string>(args.begin(), dash_dash));
  if (!normalized.ok()) return normalized.status();

  // CLI11 takes the arguments last-first.
  std::reverse(normalized->begin(), normalized->end());
  try {
    app_->parse(*std::move(normalized));
  } catch (const CLI::ParseError& e) {
    return UsageError(e.what());
  }
  for (const std::string& arg : app_->remaining(/*recurse=*/true)) {
    return NotTaken(arg);
  }

  CommandLine result = values_;
  const CLI::App* command = ParsedCommand();
  if (command != nullptr) {
    result.command = command->get_name();
  } else if (!tail.empty()) {
    // `miniter -- tweet -x`: the first word after "--" is the command.
    if (FindCommand(tail.front()) == nullptr) {
      return UsageError(absl::StrCat("unknown command: ", tail.front()));
    }
    result.command = tail.front();
    tail.erase(tail.begin());
  }
  result.args.insert(result.args.end(), tail.begin(), tail.end());

  std::vector<const CLI::Option*> flags = Flags(*app_);
  if (command != nullptr) {
    std::vector<const CLI::Option*> own = Flags(*command);
    flags.insert(flags.end(), own.begin(), own.end());
  }
  for (const CLI::Option* flag : flags) {
    if (flag->count() > 0) result.given.insert(flag->get_lnames().front());
  }

  if (help_) {
    // "miniter tweet --help" means "miniter help tweet".
    if (!result.command.empty() && result.command != "help") {
      result.args = {result.command};
    }
    result.command = "help";
  }
  return result;
}

absl::StatusOr<CommandLine> ParseCommandLine(
    const std::vector<std::string>& args) {
  return CommandTable().Parse(args);
}

}  // namespace miniter::client
