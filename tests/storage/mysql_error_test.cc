// mysql_error_test.cc: MySQL error codes -> absl::Status, without a database.
#include "server/storage/mysql/mysql_error.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "server/storage/mysql/mysql_error_codes.h"

namespace miniter::storage::mysql {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

struct Case {
  int code;
  const char* sql_state;
  const char* message;
  absl::StatusCode expected;
  bool connection_error;
};

// Readable names in ctest output instead of the bytes of each Case.
void PrintTo(const Case& c, std::ostream* out) {
  *out << "MySQL error " << c.code << " (SQLSTATE " << c.sql_state << ")";
}

class MapSqlErrorTest : public ::testing::TestWithParam<Case> {};

TEST_P(MapSqlErrorTest, MapsCodeAndHidesServerText) {
  const Case& c = GetParam();
  absl::Status status = MapSqlError(c.code, c.sql_state, c.message, "Test");
  EXPECT_EQ(status.code(), c.expected) << c.code << " " << c.message;
  // Server text can quote SQL and user data; callers never see it.
  EXPECT_THAT(status.message(), Not(HasSubstr(c.message)));
  EXPECT_THAT(status.message(), Not(HasSubstr("SELECT")));
  EXPECT_THAT(status.message(), Not(HasSubstr("INSERT")));
  EXPECT_EQ(IsConnectionError(c.code, c.sql_state, c.message),
            c.connection_error)
      << c.code << " " << c.message;
}

using Code = absl::StatusCode;

INSTANTIATE_TEST_SUITE_P(
    Codes, MapSqlErrorTest,
    ::testing::Values(
        Case{kErrDupEntry, "23000",
             "Duplicate entry 'a@b' for key 'uq_users_email_key'",
             Code::kAlreadyExists, false},
        Case{kErrNoReferencedRow, "23000",
             "Cannot add or update a child row: a foreign key constraint fails "
             "(`miniter`.`tweets`, CONSTRAINT `fk_tweets_user` ...)",
             Code::kNotFound, false},
        Case{kErrLockWaitTimeout, "HY000",
             "Lock wait timeout exceeded; try restarting", Code::kAborted,
             false},
        Case{kErrDeadlock, "40001", "Deadlock found when trying to get lock",
             Code::kAborted, false},
        Case{kErrStatementTimeout, "70100",
             "Query execution was interrupted (max_statement_time)",
             Code::kDeadlineExceeded, false},
        Case{kErrQueryInterrupted, "70100", "Query execution was interrupted",
             Code::kUnavailable, false},
        Case{kCrConnectionError, "HY000",
             "Can't connect to local server through socket '/x'",
             Code::kUnavailable, true},
        Case{kCrConnHostError, "HY000",
             "Can't connect to MySQL server on '127.0.0.1' (111)",
             Code::kUnavailable, true},
        Case{kCrServerGoneError, "HY000", "MySQL server has gone away",
             Code::kUnavailable, true},
        Case{kCrServerLost, "HY000",
             "Lost connection to MySQL server during query", Code::kUnavailable,
             true},
        Case{kCrServerLostExtended, "HY000",
             "Lost connection to server at 'reading'", Code::kUnavailable,
             true},
        Case{kErrConnectionKilled, "70100", "Connection was killed",
             Code::kUnavailable, true},
        Case{kErrServerShutdown, "08S01", "Server shutdown in progress",
             Code::kUnavailable, true},
        Case{kErrAccessDenied, "28000",
             "Access denied for user 'miniter'@'localhost'", Code::kUnavailable,
             false},
        Case{kErrTooManyConnections, "08004", "Too many connections",
             Code::kUnavailable, true},
        Case{0, "08S01", "Communication link failure", Code::kUnavailable,
             true},
        // Connector/C++'s own exceptions carry no code or SQLSTATE.
        Case{0, "", "Connection has been closed", Code::kUnavailable, true},
        Case{0, "HY000", "MySQL server has gone away", Code::kUnavailable,
             true},
        // Errors miniter gives no name (mysql_error_codes.h): internal.
        Case{1146, "42S02", "Table 'miniter.users' doesn't exist",
             Code::kInternal, false},
        Case{1064, "42000",
             "You have an error in your SQL syntax near 'SELEC id FROM users'",
             Code::kInternal, false},
        Case{1406, "22001", "Data too long for column 'text' at row 1",
             Code::kInternal, false},
        Case{0, "", "something odd", Code::kInternal, false}),
    [](const ::testing::TestParamInfo<Case>& info) {
      return "Code" + std::to_string(info.param.code) + "_" +
             std::to_string(info.index);
    });

TEST(MapSqlErrorTest, UnavailableAndInternalUseFixedEnglish) {
  EXPECT_EQ(
      MapSqlError(kCrServerGoneError, "HY000", "gone away", "X").message(),
      "database unavailable");
  EXPECT_EQ(MapSqlError(1146, "42S02", "Table doesn't exist", "X").message(),
            "internal storage error");
}

}  // namespace
}  // namespace miniter::storage::mysql
