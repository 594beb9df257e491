// pooled_connection.cc: opening and setting up sessions, statement cache.
#include "server/storage/mysql/pooled_connection.h"

#include <algorithm>
#include <cstdint>
#include <exception>
#include <mutex>

#include <cppconn/connection.h>
#include <cppconn/exception.h>
#include <cppconn/metadata.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/statement.h>
#include <mysql_driver.h>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "server/storage/mysql/mysql_error.h"

namespace miniter::storage::mysql {
namespace {

// Sent on every new session so nothing depends on the server's defaults.
// SET NAMES repeats OPT_CHARSET_NAME to pin the collation too; the sql_mode
// makes over-long or invalid values errors instead of silent truncation.
constexpr const char* kSessionSetup[] = {
    "SET NAMES utf8mb4 COLLATE utf8mb4_bin",
    "SET time_zone = '+00:00'",
    // One statement on two lines (the parentheses tell compilers and
    // clang-tidy that no comma is missing).
    ("SET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ZERO_DATE,"
     "NO_ENGINE_SUBSTITUTION,ERROR_FOR_DIVISION_BY_ZERO'"),
    // READ COMMITTED: no gap locks (they only add deadlocks on concurrent
    // inserts), and every statement of a transaction reads what is
    // committed when it starts, which the timeline writes rely on: once
    // Follow holds an author's author_fanout row, its backfill sees every
    // tweet whose fan-out finished (docs/timeline-design.md).
    // (This spelling works on MariaDB 10.11, which lacks the
    // transaction_isolation variable, and on MySQL 8.)
    "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED",
    "SET autocommit = 1",
};

sql::mysql::MySQL_Driver* Driver() {
  // get_driver_instance() is not thread-safe on its first call.
  static std::once_flag once;
  static sql::mysql::MySQL_Driver* driver = nullptr;
  std::call_once(once,
                 [] { driver = sql::mysql::get_mysql_driver_instance(); });
  return driver;
}

int WholeSeconds(absl::Duration d) {
  // The client library takes whole seconds; round up so 500ms is not 0
  // (which would mean "no timeout").
  return static_cast<int>(std::max<int64_t>(
      1, absl::ToInt64Seconds(absl::Ceil(d, absl::Seconds(1)))));
}

}  // namespace

void EnsureDriverThreadInit() {
  struct ThreadGuard {
    ThreadGuard() { Driver()->threadInit(); }
    ~ThreadGuard() { Driver()->threadEnd(); }
  };
  thread_local ThreadGuard guard;
  (void)guard;
}

PooledConnection::PooledConnection(std::unique_ptr<sql::Connection> connection,
                                   bool can_bound_statements)
    : connection_(std::move(connection)),
      can_bound_statements_(can_bound_statements) {}

PooledConnection::PooledConnection() = default;

PooledConnection::~PooledConnection() {
  // Closing talks to the server; a dead socket must not throw out of here.
  try {
    statements_.clear();
    if (connection_ != nullptr) connection_->close();
  } catch (const std::exception&) {
  }
  try {
    connection_.reset();
  } catch (const std::exception&) {
  }
}

sql::PreparedStatement& PooledConnection::Prepare(const std::string& sql_text) {
  auto it = statements_.find(sql_text);
  if (it == statements_.end()) {
    std::unique_ptr<sql::PreparedStatement> statement(
        connection_->prepareStatement(sql_text));
    it = statements_.emplace(sql_text, std::move(statement)).first;
  }
  return *it->second;
}

void PooledConnection::Execute(const std::string& sql_text) {
  std::unique_ptr<sql::Statement> statement(connection_->createStatement());
  statement->execute(sql_text);
}

bool PooledConnection::IsAlive() {
  if (connection_ == nullptr) return true;  // tests of the pool only
  try {
    std::unique_ptr<sql::Statement> statement(connection_->createStatement());
    statement->execute("DO 1");
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

void PooledConnection::BoundStatementTime(absl::Duration time_left) {
  if (connection_ == nullptr || !can_bound_statements_) return;
  absl::Duration bound = absl::InfiniteDuration();
  if (time_left != absl::InfiniteDuration()) {
    if (statement_bound_ <= time_left &&
        statement_bound_ >= time_left * 7 / 8) {
      return;
    }
    bound = std::max(absl::Milliseconds(1), time_left * 15 / 16);
  } else if (statement_bound_ == absl::InfiniteDuration()) {
    return;
  }
  // Seconds with microseconds; 0 means no bound. A literal, not a
  // parameter: SET takes no placeholders in the text protocol, and the
  // value is a number we formatted.
  const int64_t micros =
      bound == absl::InfiniteDuration() ? 0 : absl::ToInt64Microseconds(bound);
  const std::string seconds = absl::StrCat(
      micros / 1000000, ".", absl::Dec(micros % 1000000, absl::kZeroPad6));
  Execute(absl::StrCat("SET SESSION max_statement_time = ", seconds));
  statement_bound_ = bound;
}

absl::StatusOr<std::unique_ptr<PooledConnection>> OpenPooledConnection(
    const ConnectionSettings& settings) {
  EnsureDriverThreadInit();
  const DatabaseUrl& url = settings.url;
  try {
    sql::ConnectOptionsMap options;
    if (!url.socket.empty()) {
      options["hostName"] = sql::SQLString("localhost");
      options["socket"] = sql::SQLString(url.socket);
    } else {
      // The "tcp://" prefix stops Connector/C++ from treating "localhost" as
      // a request for the default Unix socket.
      const bool ipv6 = url.host.find(':') != std::string::npos;
      options["hostName"] = sql::SQLString(
          absl::StrCat("tcp://", ipv6 ? "[" : "", url.host, ipv6 ? "]" : ""));
      options["port"] = url.port;
    }
    options["userName"] = sql::SQLString(url.user);
    options["password"] = sql::SQLString(url.password);
    options["schema"] = sql::SQLString(url.database);
    options["OPT_CONNECT_TIMEOUT"] = WholeSeconds(settings.connect_timeout);
    options["OPT_READ_TIMEOUT"] = WholeSeconds(settings.io_timeout);
    options["OPT_WRITE_TIMEOUT"] = WholeSeconds(settings.io_timeout);
    // A silent reconnect would lose session settings and hide failures
    // mid-transaction; a broken connection is dropped and reopened instead.
    options["OPT_RECONNECT"] = false;
    options["OPT_CHARSET_NAME"] = sql::SQLString("utf8mb4");
    if (url.tls_mode == TlsMode::kVerifyIdentity) {
      // A CA makes the client library check the chain; sslVerify adds the
      // host-name check and, of the options this Connector/C++ passes on to
      // the MariaDB client library, is the only one that refuses a server
      // offering no TLS (sslEnforce and OPT_SSL_MODE have no effect there;
      // tests/security/database_tls_test.cc shows both refusals).
      options["sslCA"] = sql::SQLString(url.ssl_ca);
      options["sslVerify"] = true;
      if (!url.ssl_cert.empty()) {
        options["sslCert"] = sql::SQLString(url.ssl_cert);
        options["sslKey"] = sql::SQLString(url.ssl_key);
      }
    }

    std::unique_ptr<sql::Connection> raw(Driver()->connect(options));
    // MySQL has no max_statement_time (its max_execution_time bounds
    // SELECTs only): there, statements stay bounded by the read timeout.
    const bool mariadb = absl::StrContains(
        std::string(raw->getMetaData()->getDatabaseProductVersion()),
        "MariaDB");
    auto connection =
        std::make_unique<PooledConnection>(std::move(raw), mariadb);
    for (const char* statement : kSessionSetup) connection->Execute(statement);
    connection->connection().setAutoCommit(true);
    return connection;
  } catch (const sql::SQLException& e) {
    absl::Status status =
        MapSqlError(e.getErrorCode(), e.getSQLState(), e.what(),
                    absl::StrCat("connect to ", DescribeDatabaseTarget(url)));
    // Whatever went wrong while opening, the caller cannot use the
    // connection; to it the database is unavailable.
    if (status.code() != absl::StatusCode::kUnavailable) {
      return absl::UnavailableError("database unavailable");
    }
    return status;
  } catch (const std::exception& e) {
    LogStorageLine(absl::StrCat("connect to ", DescribeDatabaseTarget(url),
                                ": ", e.what()));
    return absl::UnavailableError("database unavailable");
  }
}

}  // namespace miniter::storage::mysql
