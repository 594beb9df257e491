// command_line_test.cc: how argv becomes a command, arguments and flags,
// and that the command table still holds the interface the CLI has always
// had.
#include "client/command_line.h"

#include <map>

#include "CLI/CLI.hpp"
#include "client/exit_codes.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace miniter::client {
namespace {

using ::testing::HasSubstr;
using ::testing::IsSupersetOf;
using ::testing::UnorderedElementsAreArray;

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

TEST(CommandLineTest, ACommandsFlagsMayComeBeforeIt) {
  absl::StatusOr<CommandLine> cl =
      ParseCommandLine({"--user_id", "9", "--json", "follow"});
  ASSERT_TRUE(cl.ok()) << cl.status();
  EXPECT_EQ(cl->command, "follow");
  EXPECT_EQ(cl->user_id, 9u);
  EXPECT_TRUE(cl->json);
  EXPECT_TRUE(cl->args.empty());
}

TEST(CommandLineTest, SingleDashLongNamesAndDashesInNames) {
  absl::StatusOr<CommandLine> cl =
      ParseCommandLine({"-json", "timeline", "-page-size=3", "--page-token=x"});
  ASSERT_TRUE(cl.ok()) << cl.status();
  EXPECT_TRUE(cl->json);
  EXPECT_EQ(cl->page_size, 3);
  EXPECT_EQ(cl->page_token, "x");
}

TEST(CommandLineTest, TheWordAfterAValueFlagIsItsValueWhateverItLooksLike) {
  absl::StatusOr<CommandLine> cl =
      ParseCommandLine({"timeline", "--page_token", "-abc", "--server", "s:1"});
  ASSERT_TRUE(cl.ok()) << cl.status();
  EXPECT_EQ(cl->page_token, "-abc");
  EXPECT_EQ(cl->server, "s:1");
  EXPECT_TRUE(cl->args.empty());
}

TEST(CommandLineTest, EmptyValues) {
  absl::StatusOr<CommandLine> cl =
      ParseCommandLine({"--server=", "tweet", "--text", "", "x"});
  ASSERT_TRUE(cl.ok()) << cl.status();
  EXPECT_EQ(cl->command, "tweet");
  EXPECT_EQ(cl->server, "");
  EXPECT_EQ(cl->given.count("server"), 1u);
  EXPECT_EQ(cl->given.count("text"), 1u);
  EXPECT_EQ(cl->args, std::vector<std::string>{"x"});
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

  cl = ParseCommandLine({"--", "tweet", "--json"});
  ASSERT_TRUE(cl.ok()) << cl.status();
  EXPECT_EQ(cl->command, "tweet");
  EXPECT_EQ(cl->args, std::vector<std::string>{"--json"});
}

TEST(CommandLineTest, CommandNamesAfterTheCommandAreArguments) {
  absl::StatusOr<CommandLine> cl =
      ParseCommandLine({"tweet", "I", "follow", "you", "--json"});
  ASSERT_TRUE(cl.ok()) << cl.status();
  EXPECT_EQ(cl->command, "tweet");
  EXPECT_EQ(cl->args, (std::vector<std::string>{"I", "follow", "you"}));
  EXPECT_TRUE(cl->json);
}

TEST(CommandLineTest, NegatedBooleans) {
  absl::StatusOr<CommandLine> cl =
      ParseCommandLine({"--json", "--nojson", "timeline"});
  ASSERT_TRUE(cl.ok());
  EXPECT_FALSE(cl->json);
  cl = ParseCommandLine({"--notls", "timeline"});
  ASSERT_TRUE(cl.ok());
  EXPECT_FALSE(cl->tls);
  EXPECT_EQ(cl->given.count("tls"), 1u);
}

TEST(CommandLineTest, TheLastOfARepeatedFlagWins) {
  absl::StatusOr<CommandLine> cl =
      ParseCommandLine({"--server=a:1", "timeline", "--server=b:2"});
  ASSERT_TRUE(cl.ok()) << cl.status();
  EXPECT_EQ(cl->server, "b:2");
}

TEST(CommandLineTest, HelpFlagBecomesHelpCommand) {
  absl::StatusOr<CommandLine> cl = ParseCommandLine({"tweet", "--help"});
  ASSERT_TRUE(cl.ok());
  EXPECT_EQ(cl->command, "help");
  EXPECT_EQ(cl->args, std::vector<std::string>{"tweet"});
  cl = ParseCommandLine({"-h", "follow", "3"});
  ASSERT_TRUE(cl.ok());
  EXPECT_EQ(cl->command, "help");
  EXPECT_EQ(cl->args, std::vector<std::string>{"follow"});
  cl = ParseCommandLine({"--help"});
  ASSERT_TRUE(cl.ok());
  EXPECT_EQ(cl->command, "help");
  EXPECT_TRUE(cl->args.empty());
}

TEST(CommandLineTest, Version) {
  absl::StatusOr<CommandLine> cl = ParseCommandLine({"--version"});
  ASSERT_TRUE(cl.ok());
  EXPECT_TRUE(cl->version);
  EXPECT_EQ(cl->command, "");
}

TEST(CommandLineTest, BadInputIsAUsageError) {
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{"--bogus"},
                                             {"follow", "--user_id=abc"},
                                             {"follow", "--user_id=-1"},
                                             {"follow", "--user_id=0x10"},
                                             {"timeline", "--page_size=1e3"},
                                             {"timeline", "--page_token"},
                                             {"--deadline=soon", "timeline"},
                                             {"--nosever"},
                                             {"frobnicate"},
                                             {"--", "frobnicate"},
                                             {"tweet", "--name=x"}}) {
    absl::StatusOr<CommandLine> cl = ParseCommandLine(args);
    ASSERT_FALSE(cl.ok()) << args.front();
    EXPECT_EQ(ExitCodeFor(cl.status()), kExitUsage) << cl.status();
  }
}

TEST(CommandLineTest, ErrorMessagesNameTheProblem) {
  EXPECT_EQ(ParseCommandLine({"tweet", "--name=x", "hi"}).status().message(),
            "tweet does not take --name");
  EXPECT_EQ(ParseCommandLine({"--bogus", "timeline"}).status().message(),
            "unknown flag: --bogus");
  EXPECT_EQ(ParseCommandLine({"frobnicate"}).status().message(),
            "unknown command: frobnicate");
  EXPECT_EQ(ParseCommandLine({"--user_id=3"}).status().message(),
            "no command for --user_id");
  EXPECT_EQ(ParseCommandLine({"timeline", "--page_token"}).status().message(),
            "flag --page_token needs a value");
  EXPECT_THAT(
      std::string(
          ParseCommandLine({"follow", "--user_id=-1"}).status().message()),
      HasSubstr("not a whole number: -1"));
}

TEST(CommandLineTest, ParsedCommandIsKnownEvenWhenParsingFails) {
  CommandTable table;
  ASSERT_FALSE(table.Parse({"tweet", "--name=x"}).ok());
  ASSERT_NE(table.ParsedCommand(), nullptr);
  EXPECT_EQ(table.ParsedCommand()->get_name(), "tweet");
}

// The commands and flags README.md, docs/ and scripts have always used;
// the table may grow, but none of these may go or move.
TEST(CommandTableTest, KeepsTheCommandsAndFlagsOfBefore) {
  const std::map<std::string, std::vector<std::string>> kCommandFlags = {
      {"signup", {"name", "email", "profile", "password"}},
      {"login", {"email", "password", "print_token"}},
      {"tweet", {"text", "request_id"}},
      {"follow", {"user_id"}},
      {"unfollow", {"user_id"}},
      {"timeline", {"user_id", "page_size", "page_token"}},
      {"logout", {}},
  };
  CommandTable table;
  std::vector<std::string> global;
  for (const CLI::Option* flag : CommandTable::Flags(table.app())) {
    global.push_back(flag->get_lnames().front());
  }
  EXPECT_THAT(global, IsSupersetOf({"server", "json", "deadline", "tls",
                                    "tls_ca_file", "version", "help"}));
  for (const auto& [name, flags] : kCommandFlags) {
    const CLI::App* command = table.FindCommand(name);
    ASSERT_NE(command, nullptr) << name;
    std::vector<std::string> own;
    for (const CLI::Option* flag : CommandTable::Flags(*command)) {
      own.push_back(flag->get_lnames().front());
    }
    EXPECT_THAT(own, UnorderedElementsAreArray(flags)) << name;
  }
}

// The synopsis is the one hand-written part of a command's entry; it must
// spell each of the command's flags as help and completion do.
TEST(CommandTableTest, EverySynopsisNamesItsCommandsFlags) {
  CommandTable table;
  for (const CLI::App* command : table.Commands()) {
    const std::string& synopsis = table.Synopsis(*command);
    EXPECT_EQ(synopsis.substr(0, command->get_name().size()),
              command->get_name());
    for (const CLI::Option* flag : CommandTable::Flags(*command)) {
      EXPECT_THAT(synopsis, HasSubstr(CommandTable::Spelling(*flag)))
          << command->get_name();
    }
  }
}

}  // namespace
}  // namespace miniter::client
