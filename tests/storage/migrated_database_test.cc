// migrated_database_test.cc: see the header.
#include "tests/storage/migrated_database_test.h"

#include <cstdlib>
#include <fstream>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "server/storage/mysql/database_url.h"
#include "server/storage/mysql/mysql_storage.h"

namespace miniter::storage {

std::string* MigratedDatabaseTest::url_ = nullptr;

std::string DatabaseUrlFromEnvironment() {
  if (const char* url = std::getenv("MINITER_TEST_DATABASE_URL");
      url != nullptr && *url != '\0') {
    return url;
  }
  if (const char* file = std::getenv("MINITER_TEST_DATABASE_URL_FILE");
      file != nullptr && *file != '\0') {
    std::ifstream in(file);
    std::string line;
    std::getline(in, line);
    return std::string(absl::StripAsciiWhitespace(line));
  }
  return "";
}

void MigratedDatabaseTest::SetUpTestSuite() {
  url_ = new std::string(DatabaseUrlFromEnvironment());
  if (url_->empty()) return;
  MySqlOptions options;
  options.database_url = *url_;
  absl::StatusOr<std::vector<int>> applied = ApplyMigrations(options);
  ASSERT_TRUE(applied.ok()) << applied.status();
}

void MigratedDatabaseTest::TearDownTestSuite() {
  delete url_;
  url_ = nullptr;
}

absl::StatusOr<std::unique_ptr<mysql::PooledConnection>>
MigratedDatabaseTest::OpenConnection() {
  absl::StatusOr<mysql::DatabaseUrl> parsed = mysql::ParseDatabaseUrl(url());
  if (!parsed.ok()) return parsed.status();
  mysql::ConnectionSettings settings;
  settings.url = *std::move(parsed);
  return mysql::OpenPooledConnection(settings);
}

void MigratedDatabaseTest::SetUp() {
  if (url_->empty()) {
    GTEST_SKIP() << "set MINITER_TEST_DATABASE_URL (or run through ctest, "
                    "whose miniter_db fixture provides a database)";
  }
}

}  // namespace miniter::storage
