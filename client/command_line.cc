// command_line.cc: the CLI's flags and the parser that fills them in.
#include "client/command_line.h"

#include <algorithm>

#include "absl/cleanup/cleanup.h"
#include "absl/flags/commandlineflag.h"
#include "absl/flags/flag.h"
#include "absl/flags/reflection.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/string_view.h"
#include "client/exit_codes.h"

ABSL_FLAG(std::string, server, "",
          "server address host:port, or several IP:port,IP:port for "
          "client-side round robin (default: $MINITER_SERVER, else "
          "127.0.0.1:50051)");
ABSL_FLAG(bool, json, false,
          "print the server's response as JSON (proto field names)");
ABSL_FLAG(double, deadline, 10, "give up on a call after this many seconds");
ABSL_FLAG(bool, tls, false,
          "connect with TLS (the server's certificate must be signed by a "
          "trusted CA; see --tls_ca_file)");
ABSL_FLAG(std::string, tls_ca_file, "",
          "PEM file of the CA that signed the server's certificate (implies "
          "--tls; default: the system's roots)");
ABSL_FLAG(std::string, name, "", "display name (signup)");
ABSL_FLAG(std::string, email, "", "e-mail address (signup, login)");
ABSL_FLAG(std::string, password, "",
          "password (signup, login); visible to other local users in the "
          "process list, prefer $MINITER_PASSWORD or the prompt");
ABSL_FLAG(std::string, profile, "", "profile text (signup)");
ABSL_FLAG(std::string, text, "", "tweet text, instead of the argument (tweet)");
ABSL_FLAG(std::string, request_id, "",
          "id that makes a repeated tweet store once, e.g. a UUID; default: "
          "a new random one per call (tweet)");
ABSL_FLAG(uint64_t, user_id, 0,
          "user id (follow, unfollow; timeline: whose, default your own)");
ABSL_FLAG(int32_t, page_size, 0, "tweets per page, 1 to 100 (timeline)");
ABSL_FLAG(std::string, page_token, "",
          "continue where the previous page ended (timeline)");
ABSL_FLAG(bool, print_token, false,
          "login: also print the access token to stdout (it is a secret)");

namespace miniter::client {
namespace {

// The only flags this CLI accepts; other absl flags linked into the binary
// are not ours to expose.
const std::vector<std::string>& KnownFlags() {
  static const auto* const kFlags = new std::vector<std::string>{
      "server",    "json",     "deadline",  "tls",        "tls_ca_file",
      "name",      "email",    "password",  "profile",    "text",
      "request_id", "user_id", "page_size", "page_token", "print_token"};
  return *kFlags;
}

bool IsKnown(absl::string_view name) {
  const std::vector<std::string>& known = KnownFlags();
  return std::find(known.begin(), known.end(), name) != known.end();
}

bool LooksLikeNegativeNumber(absl::string_view arg) {
  return arg.size() >= 2 && arg[0] == '-' &&
         absl::ascii_isdigit(static_cast<unsigned char>(arg[1]));
}

}  // namespace

absl::StatusOr<CommandLine> ParseCommandLine(
    const std::vector<std::string>& args) {
  // Parsing writes the global flags; put them back afterwards so the result
  // lives only in the returned struct. (Not absl::FlagSaver: it logs every
  // restored flag to stderr.)
  absl::Cleanup reset_flags = [] {
    for (const std::string& name : KnownFlags()) {
      absl::CommandLineFlag* flag = absl::FindCommandLineFlag(name);
      std::string ignored;
      if (flag != nullptr) flag->ParseFrom(flag->DefaultValue(), &ignored);
    }
  };
  CommandLine result;
  bool want_help = false;
  std::vector<std::string> positional;

  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--") {
      positional.insert(positional.end(), args.begin() + i + 1, args.end());
      break;
    }
    if (arg.size() < 2 || arg[0] != '-' || LooksLikeNegativeNumber(arg)) {
      positional.push_back(arg);
      continue;
    }
    absl::string_view body = arg;
    body.remove_prefix(absl::StartsWith(body, "--") ? 2 : 1);
    std::string name;
    std::string value;
    bool has_value = false;
    if (size_t eq = body.find('='); eq != absl::string_view::npos) {
      name = std::string(body.substr(0, eq));
      value = std::string(body.substr(eq + 1));
      has_value = true;
    } else {
      name = std::string(body);
    }
    absl::StrReplaceAll({{"-", "_"}}, &name);
    if (name == "h" || name == "help") {
      want_help = true;
      continue;
    }

    absl::CommandLineFlag* flag =
        IsKnown(name) ? absl::FindCommandLineFlag(name) : nullptr;
    if (flag == nullptr && !has_value && absl::StartsWith(name, "no") &&
        IsKnown(name.substr(2))) {
      // --nojson: absl's spelling of false for a boolean flag.
      absl::CommandLineFlag* negated =
          absl::FindCommandLineFlag(name.substr(2));
      if (negated != nullptr && negated->IsOfType<bool>()) {
        flag = negated;
        name = name.substr(2);
        value = "false";
        has_value = true;
      }
    }
    if (flag == nullptr) {
      return UsageError(absl::StrCat("unknown flag: ", arg));
    }
    if (!has_value) {
      if (flag->IsOfType<bool>()) {
        value = "true";
      } else if (i + 1 < args.size()) {
        value = args[++i];
      } else {
        return UsageError(absl::StrCat("flag --", name, " needs a value"));
      }
    }
    std::string error;
    if (!flag->ParseFrom(value, &error)) {
      return UsageError(absl::StrCat("bad value for --", name, ": ", error));
    }
    result.given.insert(name);
  }

  if (!positional.empty()) {
    result.command = positional.front();
    result.args.assign(positional.begin() + 1, positional.end());
  }
  if (want_help) {
    // "miniter tweet --help" means "help tweet".
    if (!result.command.empty() && result.command != "help") {
      result.args = {result.command};
    }
    result.command = "help";
  }

  result.server = absl::GetFlag(FLAGS_server);
  result.json = absl::GetFlag(FLAGS_json);
  result.deadline_seconds = absl::GetFlag(FLAGS_deadline);
  result.tls = absl::GetFlag(FLAGS_tls);
  result.tls_ca_file = absl::GetFlag(FLAGS_tls_ca_file);
  result.name = absl::GetFlag(FLAGS_name);
  result.email = absl::GetFlag(FLAGS_email);
  result.password = absl::GetFlag(FLAGS_password);
  result.profile = absl::GetFlag(FLAGS_profile);
  result.text = absl::GetFlag(FLAGS_text);
  result.request_id = absl::GetFlag(FLAGS_request_id);
  result.user_id = absl::GetFlag(FLAGS_user_id);
  result.page_size = absl::GetFlag(FLAGS_page_size);
  result.page_token = absl::GetFlag(FLAGS_page_token);
  result.print_token = absl::GetFlag(FLAGS_print_token);
  return result;
}

std::string DescribeFlags(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& name : names) {
    absl::CommandLineFlag* flag = absl::FindCommandLineFlag(name);
    if (flag == nullptr) continue;
    std::string placeholder = "<text>";
    if (flag->IsOfType<uint64_t>() || flag->IsOfType<int32_t>()) {
      placeholder = "<n>";
    } else if (flag->IsOfType<double>()) {
      placeholder = "<seconds>";
    }
    std::string spelled = flag->IsOfType<bool>()
                              ? absl::StrCat("--", name)
                              : absl::StrCat("--", name, "=", placeholder);
    const size_t pad = spelled.size() < 24 ? 24 - spelled.size() : 1;
    absl::StrAppend(&out, "  ", spelled, std::string(pad, ' '), flag->Help(),
                    "\n");
  }
  return out;
}

}  // namespace miniter::client
