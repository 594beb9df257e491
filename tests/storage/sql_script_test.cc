// sql_script_test.cc: how migration files are split into statements.
#include "server/storage/mysql/sql_script.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace miniter::storage::mysql {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(SplitSqlStatementsTest, SplitsAtSemicolonsEndingLines) {
  EXPECT_THAT(
      SplitSqlStatements("CREATE TABLE a (\n  x INT\n);\n"
                         "CREATE TABLE b (y INT);  \n"),
      ElementsAre("CREATE TABLE a (\n  x INT\n)", "CREATE TABLE b (y INT)"));
}

TEST(SplitSqlStatementsTest, DropsCommentLinesAndBlankStatements) {
  EXPECT_THAT(SplitSqlStatements("-- header;\n\n  -- indented;\n"
                                 "SELECT 1;\n;\n\n"),
              ElementsAre("SELECT 1"));
}

TEST(SplitSqlStatementsTest, KeepsSemicolonsInsideALine) {
  EXPECT_THAT(SplitSqlStatements("SELECT 'a;b' FROM t;\n"),
              ElementsAre("SELECT 'a;b' FROM t"));
}

TEST(SplitSqlStatementsTest, KeepsAFinalStatementWithoutSemicolon) {
  EXPECT_THAT(SplitSqlStatements("SELECT 1;\nSELECT 2"),
              ElementsAre("SELECT 1", "SELECT 2"));
}

TEST(SplitSqlStatementsTest, HandlesCrLf) {
  EXPECT_THAT(SplitSqlStatements("SELECT 1;\r\nSELECT 2;\r\n"),
              ElementsAre("SELECT 1", "SELECT 2"));
}

TEST(SplitSqlStatementsTest, EmptyScript) {
  EXPECT_THAT(SplitSqlStatements(""), IsEmpty());
  EXPECT_THAT(SplitSqlStatements("-- only a comment\n"), IsEmpty());
}

}  // namespace
}  // namespace miniter::storage::mysql
