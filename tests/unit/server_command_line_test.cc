// server_command_line_test.cc: miniter-server's arguments against the
// settings table (the flag syntaxes it has always taken, unknown flags,
// --help and --version), and the --help text: every flag with its help,
// its environment variable and its default.
#include "server/app/server_command_line.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/app/server_settings.h"

namespace miniter::app {
namespace {

using ::testing::HasSubstr;
using Action = ServerCommandLine::Action;

TEST(ServerCommandLineTest, TakesFlagsWithOneOrTwoDashesAndEitherValueForm) {
  absl::StatusOr<ServerCommandLine> parsed = ParseServerCommandLine(
      {"--listen=127.0.0.1:1", "-pool_size=3", "--redis_url", "redis://r",
       "-call_log", "errors", "--metrics_listen=", "--drain_delay=a=b"});
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->action, Action::kServe);
  EXPECT_EQ(parsed->flags, (SettingValues{{"listen", "127.0.0.1:1"},
                                          {"pool_size", "3"},
                                          {"redis_url", "redis://r"},
                                          {"call_log", "errors"},
                                          {"metrics_listen", ""},
                                          {"drain_delay", "a=b"}}));
}

TEST(ServerCommandLineTest, NoArgumentsServeWithTheDefaults) {
  absl::StatusOr<ServerCommandLine> parsed = ParseServerCommandLine({});
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->action, Action::kServe);
  EXPECT_TRUE(parsed->flags.empty());
}

TEST(ServerCommandLineTest, ARepeatedFlagKeepsItsLastValue) {
  absl::StatusOr<ServerCommandLine> parsed =
      ParseServerCommandLine({"--listen=a:1", "--listen=b:2"});
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->flags.at("listen"), "b:2");
}

TEST(ServerCommandLineTest, RefusesUnknownFlagsMissingValuesAndArguments) {
  absl::StatusOr<ServerCommandLine> parsed =
      ParseServerCommandLine({"--listen=a:1", "--lisen=b:2"});
  EXPECT_TRUE(absl::IsInvalidArgument(parsed.status()));
  EXPECT_THAT(parsed.status().message(), HasSubstr("unknown flag --lisen"));

  parsed = ParseServerCommandLine({"--shutdown_grace"});
  EXPECT_TRUE(absl::IsInvalidArgument(parsed.status()));
  EXPECT_THAT(parsed.status().message(),
              HasSubstr("--shutdown_grace needs a value"));

  parsed = ParseServerCommandLine({"serve"});
  EXPECT_TRUE(absl::IsInvalidArgument(parsed.status()));
  EXPECT_THAT(parsed.status().message(), HasSubstr("\"serve\""));
}

TEST(ServerCommandLineTest, HelpAndVersionWinOverEverythingElse) {
  for (const char* help : {"--help", "-help", "-h", "--helpfull"}) {
    absl::StatusOr<ServerCommandLine> parsed =
        ParseServerCommandLine({"--bogus", help, "--version"});
    ASSERT_TRUE(parsed.ok()) << help << ": " << parsed.status();
    EXPECT_EQ(parsed->action, Action::kHelp) << help;
  }
  absl::StatusOr<ServerCommandLine> parsed =
      ParseServerCommandLine({"--bogus", "--version"});
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->action, Action::kVersion);
}

TEST(ServerCommandLineTest, HelpListsEveryFlagWithItsVariableAndDefault) {
  const std::string help = ServerHelp();
  for (const ServerSetting& setting : ServerSettings()) {
    SCOPED_TRACE(setting.name);
    EXPECT_THAT(help, HasSubstr(absl::StrCat("\n  --", setting.name, "\n")));
    EXPECT_THAT(help,
                HasSubstr(absl::StrCat("      env ", setting.env, ", default ",
                                       setting.DefaultForHelp(), "\n")));
  }
  EXPECT_THAT(help, HasSubstr("\n      env MINITER_POOL_QUEUE, default "
                              "(4 × pool_size)\n"));
  EXPECT_THAT(help, HasSubstr("\n  --version\n"));
  // Each flag's help is there, wrapped: its first and last words at least.
  EXPECT_THAT(help, HasSubstr("\n      Address to serve gRPC on, HOST:PORT;"));
  EXPECT_THAT(help, HasSubstr("they\n      are cancelled.\n"));
}

}  // namespace
}  // namespace miniter::app
