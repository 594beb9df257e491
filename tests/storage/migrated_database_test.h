// migrated_database_test.h: the base fixture of the storage integration
// suites: finds the test database and applies the migrations once per suite.
#ifndef MINITER_TESTS_STORAGE_MIGRATED_DATABASE_TEST_H_
#define MINITER_TESTS_STORAGE_MIGRATED_DATABASE_TEST_H_

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "server/storage/mysql/pooled_connection.h"

namespace miniter::storage {

// The test database URL: $MINITER_TEST_DATABASE_URL, else the first line of
// the file named by $MINITER_TEST_DATABASE_URL_FILE (written by the ctest
// fixture miniter_db); empty when neither is set.
std::string DatabaseUrlFromEnvironment();

// Suites derive from this and call MigratedDatabaseTest::SetUp() first in
// their own SetUp; tests are skipped when no database is configured (ctest
// always configures one).
class MigratedDatabaseTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite();
  static void TearDownTestSuite();
  void SetUp() override;

  // The URL of the migrated test database.
  static const std::string& url() { return *url_; }

  // A connection of its own to the test database, for plain SQL beside
  // the stores under test.
  static absl::StatusOr<std::unique_ptr<mysql::PooledConnection>>
  OpenConnection();

 private:
  static std::string* url_;
};

}  // namespace miniter::storage

#endif  // MINITER_TESTS_STORAGE_MIGRATED_DATABASE_TEST_H_
