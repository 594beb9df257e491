// cli_test.cc: whole `miniter` commands against an in-process fake server,
// with the token file in a temporary XDG_CONFIG_HOME.
#include "client/cli.h"

#include <map>
#include <sstream>

#include "CLI/CLI.hpp"
#include "client/command_line.h"
#include "client/token_store.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/client/fake_miniter_service.h"
#include "tests/client/temp_dir.h"
#include "tests/client/test_certificates.h"

namespace miniter::client {
namespace {

using ::miniter::client::testing::FakeMiniterServer;
using ::miniter::client::testing::TempDir;
using ::miniter::client::testing::TestCaFile;
using ::miniter::client::testing::TestServerCredentials;
using ::testing::EndsWith;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.started());
    ASSERT_FALSE(config_.path().empty());
    vars_["XDG_CONFIG_HOME"] = config_.path();
    vars_["MINITER_SERVER"] = server_.address();
  }

  // Runs `miniter args...` with `input` on stdin; output lands in out_/err_.
  int Run(std::vector<std::string> args, const std::string& input = "") {
    out_.str("");
    err_.str("");
    std::istringstream in(input);
    CliEnvironment env;
    env.in = &in;
    env.out = &out_;
    env.err = &err_;
    env.getenv = [this](const std::string& name) -> std::optional<std::string> {
      auto it = vars_.find(name);
      if (it == vars_.end()) return std::nullopt;
      return it->second;
    };
    return RunCli(args, env);
  }

  std::string TokenPath() const { return config_.path() + "/miniter/token"; }

  FakeMiniterServer server_;
  TempDir config_;
  std::map<std::string, std::string> vars_;
  std::ostringstream out_;
  std::ostringstream err_;
};

TEST_F(CliTest, LoginSavesTokenAndLaterCommandsSendIt) {
  ASSERT_EQ(Run({"login", "--email=ann@example.com"}, "pw-from-stdin\n"), 0)
      << err_.str();
  EXPECT_EQ(server_.service().last_password(), "pw-from-stdin");
  EXPECT_THAT(out_.str(),
              HasSubstr("logged in as user 3; token saved to " + TokenPath() +
                        " (expires 2026-11-27 12:00:00 UTC)"));
  EXPECT_THAT(out_.str() + err_.str(), Not(HasSubstr("tok-for")));
  EXPECT_THAT(out_.str() + err_.str(), Not(HasSubstr("pw-from-stdin")));

  ASSERT_EQ(Run({"tweet", "hello", "world"}), 0) << err_.str();
  EXPECT_EQ(server_.service().last_tweet_text(), "hello world");
  EXPECT_EQ(server_.service().last_authorization(),
            "Bearer tok-for-ann@example.com");
  EXPECT_EQ(out_.str(), "tweeted #12 at 2026-11-26 12:00:01 UTC\n");

  ASSERT_EQ(Run({"logout"}), 0);
  EXPECT_THAT(out_.str(), HasSubstr("logged out"));
  ASSERT_EQ(Run({"follow", "42"}), 0);
  EXPECT_EQ(server_.service().last_authorization(), "");
}

TEST_F(CliTest, PasswordFromEnvironmentAndFlag) {
  vars_["MINITER_PASSWORD"] = "from-env";
  ASSERT_EQ(Run({"login", "--email=a@b.c"}), 0) << err_.str();
  EXPECT_EQ(server_.service().last_password(), "from-env");
  ASSERT_EQ(Run({"login", "--email=a@b.c", "--password=from-flag"}), 0);
  EXPECT_EQ(server_.service().last_password(), "from-flag");
}

TEST_F(CliTest, PromptsOnATerminalAndConfirmsOnSignUp) {
  std::vector<std::string> prompts;
  out_.str("");
  std::istringstream in;
  CliEnvironment env;
  env.in = &in;
  env.out = &out_;
  env.err = &err_;
  env.getenv = [this](const std::string& name) -> std::optional<std::string> {
    auto it = vars_.find(name);
    if (it == vars_.end()) return std::nullopt;
    return it->second;
  };
  env.stdin_is_tty = true;
  env.prompt_password = [&](const std::string& prompt) {
    prompts.push_back(prompt);
    return absl::StatusOr<std::string>("typed-secret");
  };
  ASSERT_EQ(RunCli({"signup", "--name=Ann", "--email=ann@example.com"}, env), 0)
      << err_.str();
  EXPECT_EQ(prompts.size(), 2u);
  EXPECT_EQ(server_.service().last_password(), "typed-secret");
  EXPECT_EQ(out_.str(), "signed up: user 3 \"Ann\" <ann@example.com>\n");
}

TEST_F(CliTest, LoginJsonHidesTokenUnlessAsked) {
  ASSERT_EQ(Run({"login", "--json", "--email=a@b.c"}, "pw\n"), 0);
  EXPECT_THAT(out_.str(), HasSubstr("\"user_id\":\"3\""));
  EXPECT_THAT(out_.str(), Not(HasSubstr("tok-for")));

  ASSERT_EQ(Run({"login", "--json", "--print-token", "--email=a@b.c"}, "pw\n"),
            0);
  EXPECT_THAT(out_.str(), HasSubstr("\"access_token\":\"tok-for-a@b.c\""));

  ASSERT_EQ(Run({"login", "--print_token", "--email=a@b.c"}, "pw\n"), 0);
  EXPECT_EQ(out_.str(), "tok-for-a@b.c\n");
}

TEST_F(CliTest, TokenFromAnotherServerIsNotSent) {
  ASSERT_EQ(Run({"login", "--email=a@b.c"}, "pw\n"), 0);
  // Same fake, reached under a different name: the token's recorded server
  // no longer matches, so it must stay home.
  std::string other = "localhost:" + server_.address().substr(10);
  ASSERT_EQ(Run({"--server", other, "timeline"}), 0) << err_.str();
  EXPECT_EQ(server_.service().last_authorization(), "");
  EXPECT_THAT(err_.str(), HasSubstr("warning: the saved token was issued by"));

  vars_["MINITER_TOKEN"] = "env-token";
  ASSERT_EQ(Run({"--server", other, "timeline"}), 0);
  EXPECT_EQ(server_.service().last_authorization(), "Bearer env-token");
}

TEST_F(CliTest, TimelinePrintsTweetsAndNextPage) {
  ASSERT_EQ(Run({"timeline", "3", "--page_size=1"}), 0) << err_.str();
  EXPECT_EQ(server_.service().last_timeline_request().user_id(), 3u);
  EXPECT_EQ(server_.service().last_timeline_request().page_size(), 1);
  EXPECT_EQ(out_.str(),
            "#12  Ann (user 3)  2026-11-26 12:00:01 UTC\n"
            "    hello\n"
            "next page: miniter timeline --user_id=3 --page_size=1 "
            "--page_token=next-12\n");
}

TEST_F(CliTest, FollowingAndFollowersListUsersAndTheNextPage) {
  ASSERT_EQ(Run({"followers", "7", "--page_size=2"}), 0) << err_.str();
  auto request = server_.service().last_paged_request();
  EXPECT_EQ(request.method, "ListFollowers");
  EXPECT_EQ(request.user_id, 7u);
  EXPECT_EQ(request.page_size, 2);
  EXPECT_EQ(out_.str(),
            "user 5 \"Bob\"\n"
            "user 3 \"Ann\" <ann@example.com>\n"
            "next page: miniter followers --user_id=7 --page_size=2 "
            "--page_token=next-5\n");

  ASSERT_EQ(Run({"following", "--page_token=next-5"}), 0) << err_.str();
  request = server_.service().last_paged_request();
  EXPECT_EQ(request.method, "ListFollowing");
  EXPECT_EQ(request.user_id, 0u);  // the caller's own
  EXPECT_EQ(request.page_token, "next-5");
  EXPECT_THAT(out_.str(), EndsWith("next page: miniter following "
                                   "--page_token=next-5\n"));

  ASSERT_EQ(Run({"--json", "following", "--user_id=9"}), 0) << err_.str();
  EXPECT_THAT(out_.str(), HasSubstr("\"next_page_token\":\"next-5\""));
  EXPECT_THAT(out_.str(), HasSubstr("\"email\":\"ann@example.com\""));
}

TEST_F(CliTest, TweetsPrintsOneUsersTweetsAndTheNextPage) {
  ASSERT_EQ(Run({"tweets", "8"}), 0) << err_.str();
  auto request = server_.service().last_paged_request();
  EXPECT_EQ(request.method, "UserTweets");
  EXPECT_EQ(request.user_id, 8u);
  EXPECT_EQ(out_.str(),
            "#11  Bob (user 8)  2026-11-26 12:00:00 UTC\n"
            "    mine\n"
            "next page: miniter tweets --user_id=8 --page_token=next-11\n");
  EXPECT_EQ(Run({"tweets", "8", "9"}), 64);
  EXPECT_EQ(Run({"followers", "x"}), 64);
}

TEST_F(CliTest, WatchPrintsEachTweetAndHowToResume) {
  EXPECT_EQ(Run({"watch", "--resume_cursor=from-before"}), 4);  // retryable
  EXPECT_EQ(server_.service().last_resume_cursor(), "from-before");
  EXPECT_EQ(out_.str(),
            "#12  Ann (user 3)  2026-11-26 12:00:01 UTC\n"
            "    live 12\n"
            "#13  Ann (user 3)  2026-11-26 12:00:01 UTC\n"
            "    live 13\n");
  EXPECT_THAT(err_.str(), HasSubstr("UNAVAILABLE: shutting down"));
  EXPECT_THAT(err_.str(),
              HasSubstr("miniter watch --resume_cursor=resume-here\n"));
}

TEST_F(CliTest, UserPrintsTheProfileWithCounts) {
  ASSERT_EQ(Run({"user"}), 0) << err_.str();
  EXPECT_EQ(server_.service().last_get_user_request().user_id(), 0u);
  EXPECT_EQ(out_.str(),
            "user 3 \"Ann\" <ann@example.com>\n"
            "    1 follower, 2 following, joined 2026-11-26 12:00:01 UTC\n"
            "    hi\n"
            "    there\n");
  out_.str("");
  ASSERT_EQ(Run({"user", "42"}), 0) << err_.str();
  EXPECT_EQ(server_.service().last_get_user_request().user_id(), 42u);
  EXPECT_EQ(out_.str(),
            "user 42 \"Bob\"\n"
            "    0 followers, 2 following, joined 2026-11-26 12:00:01 UTC\n");
  EXPECT_EQ(Run({"user", "42", "--user_id=42"}), 64);
  EXPECT_EQ(Run({"user", "ann"}), 64);
}

TEST_F(CliTest, SearchPrintsUsersAndTheNextPageCommand) {
  ASSERT_EQ(Run({"search", "Ann", "Lee", "--page_size=2"}), 0) << err_.str();
  EXPECT_EQ(server_.service().last_search_request().query(), "Ann Lee");
  EXPECT_EQ(server_.service().last_search_request().page_size(), 2);
  // Names are made safe for the terminal.
  EXPECT_EQ(out_.str(),
            "user 3 \"Ann\" <ann@example.com>\n"
            "user 8 \"Anna \\x1b[31m\"\n"
            "next page: miniter search --page_size=2 --page_token=next-8 -- "
            "'Ann Lee'\n");
  out_.str("");
  ASSERT_EQ(Run({"search", "--page_token=next-8", "--", "-Ann"}), 0)
      << err_.str();
  EXPECT_EQ(server_.service().last_search_request().query(), "-Ann");
  EXPECT_EQ(server_.service().last_search_request().page_token(), "next-8");
  EXPECT_EQ(out_.str(), "(no more users)\n");
  EXPECT_EQ(Run({"search"}), 64);
  EXPECT_THAT(err_.str(), HasSubstr("search needs the start of a name"));
}

TEST_F(CliTest, ServerErrorsGoToStderrWithExitCode) {
  server_.service().set_error(
      grpc::Status(grpc::StatusCode::ALREADY_EXISTS, "e-mail already taken"));
  EXPECT_EQ(
      Run({"signup", "--name=A", "--email=a@b.c", "--password=pw12345678"}), 2);
  EXPECT_EQ(out_.str(), "");
  EXPECT_THAT(err_.str(),
              HasSubstr("miniter: ALREADY_EXISTS: e-mail already taken\n"));
  EXPECT_THAT(err_.str(), Not(HasSubstr("pw12345678")));

  server_.service().set_error(
      grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "missing token"));
  EXPECT_EQ(Run({"tweet", "x"}), 3);
  EXPECT_THAT(err_.str(), HasSubstr("miniter: UNAUTHENTICATED: missing token"));
  EXPECT_THAT(err_.str(), HasSubstr("not logged in"));
}

TEST_F(CliTest, UsageErrors) {
  EXPECT_EQ(Run({}), 64);
  EXPECT_EQ(Run({"frobnicate"}), 64);
  EXPECT_THAT(err_.str(), HasSubstr("unknown command: frobnicate"));
  EXPECT_EQ(Run({"tweet"}), 64);
  EXPECT_EQ(Run({"tweet", "--name=x", "hi"}), 64);
  EXPECT_THAT(err_.str(), HasSubstr("tweet does not take --name"));
  EXPECT_THAT(err_.str(), HasSubstr("usage: miniter tweet <text...>"));
  EXPECT_EQ(Run({"follow", "abc"}), 64);
  EXPECT_EQ(Run({"follow", "1", "--user_id=2"}), 64);
  EXPECT_EQ(Run({"signup", "--email=a@b.c", "--password=x"}), 64);
  EXPECT_EQ(Run({"login", "--email=a@b.c"}, ""), 64);  // no password anywhere
  EXPECT_EQ(Run({"timeline", "--deadline=0"}), 64);
  EXPECT_EQ(server_.service().calls(), 0);
}

TEST_F(CliTest, HelpGoesToStdout) {
  EXPECT_EQ(Run({"help"}), 0);
  EXPECT_THAT(out_.str(), HasSubstr("miniter timeline"));
  EXPECT_THAT(out_.str(), HasSubstr("--page_size=<n>"));
  EXPECT_THAT(out_.str(), HasSubstr("--request_id=<id>"));
  EXPECT_EQ(Run({"--help"}), 0);
  EXPECT_THAT(out_.str(), HasSubstr("--request_id=<id>"));
  EXPECT_EQ(Run({"tweet", "--help"}), 0);
  EXPECT_THAT(out_.str(), HasSubstr("Usage: miniter tweet"));
  EXPECT_THAT(out_.str(), HasSubstr("--request_id=<id>"));
  EXPECT_EQ(Run({"--help", "tweet"}), 0);
  EXPECT_THAT(out_.str(), HasSubstr("Usage: miniter tweet"));
  EXPECT_EQ(Run({"help", "timeline"}), 0);
  EXPECT_THAT(out_.str(), HasSubstr("--page_token=<token>"));
  EXPECT_EQ(Run({"help", "nope"}), 64);
  EXPECT_THAT(err_.str(), HasSubstr("no such command: nope"));
  EXPECT_EQ(server_.service().calls(), 0);
}

TEST_F(CliTest, VersionIsTheProjectsAndTheRevision) {
  EXPECT_EQ(Run({"--version"}), 0);
  EXPECT_THAT(out_.str(),
              StartsWith("miniter " MINITER_PROJECT_VERSION " (git "));
  EXPECT_THAT(out_.str(), EndsWith(")\n"));
  EXPECT_EQ(Run({"timeline", "--version"}), 0);
  EXPECT_THAT(out_.str(), StartsWith("miniter " MINITER_PROJECT_VERSION));
  EXPECT_EQ(server_.service().calls(), 0);
}

TEST_F(CliTest, CompletionPrintsTheBashScript) {
  EXPECT_EQ(Run({"completion", "bash"}), 0);
  EXPECT_THAT(out_.str(), StartsWith("# bash completion for miniter"));
  EXPECT_THAT(out_.str(), HasSubstr("complete -F _miniter miniter\n"));
  EXPECT_EQ(Run({"completion"}), 64);
  EXPECT_THAT(err_.str(), HasSubstr("usage: miniter completion bash"));
  EXPECT_EQ(Run({"completion", "zsh"}), 64);
}

// The table (command_line.cc) and the code that runs each command (cli.cc)
// are separate; every command in the one must reach the other.
TEST_F(CliTest, EveryCommandInTheTableRuns) {
  CommandTable table;
  for (const CLI::App* command : table.Commands()) {
    const std::string& name = command->get_name();
    const int code = Run({name, "--deadline=0"});
    EXPECT_THAT(err_.str(), Not(HasSubstr("no handler"))) << name;
    if (name != "help" && name != "completion") {
      EXPECT_EQ(code, 64) << name;
      EXPECT_THAT(err_.str(), HasSubstr("--deadline must be a positive"))
          << name;
    }
  }
  EXPECT_EQ(server_.service().calls(), 0);
}

TEST_F(CliTest, ACommandsFlagBeforeTheCommandStillCounts) {
  ASSERT_EQ(Run({"--user_id=42", "follow"}), 0) << err_.str();
  EXPECT_EQ(out_.str(), "following user 42\n");
}

TEST_F(CliTest, TweetTextFromStdinAndJsonOutput) {
  ASSERT_EQ(Run({"--json", "tweet", "-"}, "line one\nline two\n"), 0)
      << err_.str();
  EXPECT_EQ(server_.service().last_tweet_text(), "line one\nline two");
  EXPECT_THAT(out_.str(), HasSubstr("\"tweet\":{\"id\":\"12\""));
}

TEST_F(CliTest, TweetPassesRequestIdThroughOrMakesOne) {
  ASSERT_EQ(Run({"tweet", "--request_id=retry-me-7", "hello"}), 0)
      << err_.str();
  ASSERT_EQ(Run({"tweet", "hello"}), 0) << err_.str();
  std::vector<std::string> ids = server_.service().tweet_request_ids();
  ASSERT_EQ(ids.size(), 2u);
  EXPECT_EQ(ids[0], "retry-me-7");
  EXPECT_EQ(ids[1].size(), 36u) << ids[1];  // generated UUID
}

TEST_F(CliTest, TlsCaFileTalksToATlsServer) {
  FakeMiniterServer tls_server(TestServerCredentials());
  ASSERT_TRUE(tls_server.started());
  vars_["MINITER_SERVER"] = tls_server.address();
  EXPECT_EQ(Run({"--tls_ca_file=" + TestCaFile(), "follow", "42"}), 0)
      << err_.str();
  EXPECT_EQ(out_.str(), "following user 42\n");
  EXPECT_EQ(tls_server.service().calls(), 1);

  // Plaintext (the default) does not get through to a TLS server.
  EXPECT_EQ(Run({"--deadline=2", "follow", "42"}), 4);
  EXPECT_EQ(tls_server.service().calls(), 1);
}

TEST_F(CliTest, TlsFlagErrors) {
  EXPECT_EQ(Run({"--tls_ca_file=/nonexistent/ca.pem", "timeline"}), 1);
  EXPECT_THAT(err_.str(), HasSubstr("cannot open TLS CA file "
                                    "/nonexistent/ca.pem"));
  EXPECT_EQ(Run({"--notls", "--tls_ca_file=/x.pem", "timeline"}), 64);
  EXPECT_EQ(server_.service().calls(), 0);
}

}  // namespace
}  // namespace miniter::client
