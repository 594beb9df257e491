// usage_test.cc: `miniter help` and `<command> --help` list every command
// and flag of the table (a hand-kept list once left --request_id out).
#include "client/usage.h"

#include "CLI/CLI.hpp"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace miniter::client {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

// Every flag of `app` (the main App or a command) has a line in `usage`.
void ExpectListsFlagsOf(const CLI::App& app, const std::string& usage) {
  for (const CLI::Option* flag : CommandTable::Flags(app)) {
    EXPECT_THAT(usage, HasSubstr("\n  " + CommandTable::Spelling(*flag) + " "))
        << app.get_name();
  }
}

TEST(UsageTest, ListsEveryCommandAndEveryFlag) {
  CommandTable table;
  const std::string usage = Usage(table);
  ExpectListsFlagsOf(table.app(), usage);
  for (const CLI::App* command : table.Commands()) {
    EXPECT_THAT(usage, HasSubstr("  miniter " + table.Synopsis(*command) +
                                 "\n      " + command->get_description()));
    ExpectListsFlagsOf(*command, usage);
  }
}

TEST(UsageTest, ReadsAsBefore) {
  CommandTable table;
  const std::string usage = Usage(table);
  EXPECT_THAT(usage, StartsWith("miniter: a command-line client for the "
                                "miniter service.\n\nUsage: miniter "
                                "[--server=<host:port>] [--json] "));
  EXPECT_THAT(usage, HasSubstr("miniter timeline"));
  EXPECT_THAT(usage, HasSubstr("  --page_size=<n>         items per page, "
                               "1 to 100 (timeline, tweets, following, "
                               "followers, search)\n"));
  EXPECT_THAT(usage, HasSubstr("  --request_id=<id>       id that makes"));
  // A flag several commands take appears once, naming them.
  EXPECT_THAT(usage, HasSubstr("e-mail address (signup, login)\n"));
  EXPECT_THAT(usage, HasSubstr("(default: 10)"));
  EXPECT_THAT(usage, HasSubstr("MINITER_PASSWORD"));
  EXPECT_THAT(usage, HasSubstr("64 usage error"));
  // --help and --version are not settings: not in the usage line.
  EXPECT_THAT(usage, Not(HasSubstr("[--version]")));
}

TEST(UsageTest, CommandUsageHasItsOwnAndTheGlobalFlags) {
  CommandTable table;
  for (const CLI::App* command : table.Commands()) {
    const std::string usage = CommandUsage(table, *command);
    EXPECT_THAT(usage, StartsWith("Usage: miniter " + table.Synopsis(*command) +
                                  "\n  " + command->get_description() +
                                  "\n\nFlags:\n"));
    ExpectListsFlagsOf(*command, usage);
    ExpectListsFlagsOf(table.app(), usage);
  }
  const std::string tweet = CommandUsage(table, *table.FindCommand("tweet"));
  EXPECT_THAT(tweet, HasSubstr("--request_id=<id>"));
  EXPECT_THAT(tweet, Not(HasSubstr("--page_size")));
}

}  // namespace
}  // namespace miniter::client
