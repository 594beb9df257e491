// command_line_test.cc: how argv becomes a subcommand, arguments and flags.
#include "client/command_line.h"

#include "client/exit_codes.h"
#include "gtest/gtest.h"

namespace miniter::client {
namespace {

TEST(CommandLineTest, FlagsAnywhereAndPositionals) {
  absl::StatusOr<CommandLine> cl = ParseCommandLine(
      {"--server=h:1", "timeline", "--page-size", "5", "--json", "7"});
  ASSERT_TRUE(cl.ok()) << cl.status();
  EXPECT_EQ(cl->command, "timeline");
  EXPECT_EQ(cl->args, std::vector<std::string>{"7"});
  EXPECT_EQ(cl->server, "h:1");
  EXPECT_EQ(cl->page_size, 5);
  EXPECT_TRUE(cl->json);
  EXPECT_EQ(cl->given, (std::set<std::string>{"server", "page_size", "json"}));
}

TEST(CommandLineTest, FlagsGoBackToDefaultsBetweenParses) {
  ASSERT_TRUE(ParseCommandLine({"follow", "--user_id=9", "--json"}).ok());
  absl::StatusOr<CommandLine> cl = ParseCommandLine({"follow"});
  ASSERT_TRUE(cl.ok());
  EXPECT_EQ(cl->user_id, 0u);
  EXPECT_FALSE(cl->json);
  EXPECT_TRUE(cl->given.empty());
}

TEST(CommandLineTest, DoubleDashAndNegativeNumbersArePositional) {
  absl::StatusOr<CommandLine> cl =
      ParseCommandLine({"tweet", "-5", "degrees", "--", "--json"});
  ASSERT_TRUE(cl.ok()) << cl.status();
  EXPECT_EQ(cl->args, (std::vector<std::string>{"-5", "degrees", "--json"}));
  EXPECT_FALSE(cl->json);
}

TEST(CommandLineTest, NegatedBooleans) {
  absl::StatusOr<CommandLine> cl =
      ParseCommandLine({"--json", "--nojson", "x"});
  ASSERT_TRUE(cl.ok());
  EXPECT_FALSE(cl->json);
}

TEST(CommandLineTest, HelpFlagBecomesHelpCommand) {
  absl::StatusOr<CommandLine> cl = ParseCommandLine({"tweet", "--help"});
  ASSERT_TRUE(cl.ok());
  EXPECT_EQ(cl->command, "help");
  EXPECT_EQ(cl->args, std::vector<std::string>{"tweet"});
}

TEST(CommandLineTest, BadInputIsAUsageError) {
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{"--bogus"},
                                             {"follow", "--user_id=abc"},
                                             {"follow", "--user_id=-1"},
                                             {"timeline", "--page_token"},
                                             {"--nosever"}}) {
    absl::StatusOr<CommandLine> cl = ParseCommandLine(args);
    ASSERT_FALSE(cl.ok()) << args.front();
    EXPECT_EQ(ExitCodeFor(cl.status()), kExitUsage) << cl.status();
  }
}

}  // namespace
}  // namespace miniter::client
