// database_tls_test.cc: miniter reaches MariaDB over TLS and verifies the
// server (the database URL's ?ssl-ca=, docs/reliability.md section 8). One
// private MariaDB (scripts/mariadb.sh) presents a certificate from a CA made
// fresh with openssl and requires secure transport. The right CA works and
// the session is encrypted; another CA, a host name the certificate does not
// name, no TLS options, and TLS options against a plaintext server are all
// refused, each for its own reason, read from the storage log.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>

#include <cppconn/connection.h>
#include <cppconn/resultset.h>
#include <cppconn/statement.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/storage/mysql/connection_settings_from.h"
#include "server/storage/mysql/mysql_error_codes.h"
#include "server/storage/mysql/mysql_storage.h"
#include "server/storage/mysql/pooled_connection.h"
#include "tests/integration/test_environment.h"

namespace miniter::testing {
namespace {

using storage::mysql::ConnectionSettings;
using storage::mysql::ConnectionSettingsFrom;
using storage::mysql::kCrSslConnectionError;
using storage::mysql::kErrAccessDenied;
using storage::mysql::OpenPooledConnection;
using storage::mysql::PooledConnection;
using ::testing::AnyOf;
using ::testing::HasSubstr;
using ::testing::Not;

// The certificates: a CA, the server's (CN and SAN IP 127.0.0.1 only, so
// "localhost" is a host name it does not carry), a client's, and a second
// CA with the same name as the first but its own key.
constexpr char kMakeCertificates[] = R"(set -e
new_key="-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
openssl req -x509 $new_key -days 1 -subj /CN=miniter-test-ca \
  -keyout ca.key -out ca.pem
openssl req -new $new_key -subj /CN=127.0.0.1 -keyout server.key -out server.csr
printf 'subjectAltName=IP:127.0.0.1\n' >server.ext
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
  -days 1 -extfile server.ext -out server.pem
openssl req -new $new_key -subj /CN=miniter-client -keyout client.key \
  -out client.csr
openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
  -days 1 -out client.pem
mkdir other
openssl req -x509 $new_key -days 1 -subj /CN=miniter-test-ca \
  -keyout other/ca.key -out other/ca.pem
)";

int FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
    port = ntohs(address.sin_port);
  }
  close(fd);
  return port;
}

// The command's standard output; empty if it failed.
std::string Output(const std::string& command) {
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return out;
  char buffer[512];
  size_t n;
  while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0)
    out.append(buffer, n);
  return pclose(pipe) == 0 ? out : "";
}

class DatabaseTlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const char* mariadb_sh = std::getenv("MINITER_MARIADB_SH");
    ASSERT_NE(mariadb_sh, nullptr) << "run through ctest (MINITER_MARIADB_SH)";
    dir_ = new std::string(
        absl::StrCat(::testing::TempDir(), "miniter-dbtls-", getpid()));
    ASSERT_EQ(
        std::system(
            absl::StrCat("rm -rf ", *dir_, " && mkdir -p ", *dir_).c_str()),
        0);
    std::ofstream(*dir_ + "/make_certificates.sh") << kMakeCertificates;
    const std::string certificates = absl::StrCat(
        "cd ", *dir_, " && bash make_certificates.sh 2>openssl.log");
    ASSERT_EQ(std::system(certificates.c_str()), 0)
        << certificates << "\n"
        << Output(absl::StrCat("cat ", *dir_, "/openssl.log"));
    mariadb_ = new std::string(absl::StrCat("bash ", mariadb_sh));
    // Another process may take the free port before mariadbd binds it; then
    // the next one will do.
    std::string start;
    for (int attempt = 0; attempt < 3 && url_ == nullptr; ++attempt) {
      start = absl::StrCat("MINITER_MARIADB_SSL_CERT=", *dir_,
                           "/server.pem MINITER_MARIADB_SSL_KEY=", *dir_,
                           "/server.key MINITER_MARIADB_SSL_CA=", *dir_,
                           "/ca.pem ", *mariadb_, " start ", *dir_, "/db ",
                           FreePort(), " 2>>", *dir_, "/mariadb-start.log");
      std::string url(absl::StripAsciiWhitespace(Output(start)));
      if (absl::StrContains(url, "?ssl-ca=")) url_ = new std::string(url);
    }
    ASSERT_NE(url_, nullptr)
        << start << "\n"
        << Output(absl::StrCat("cat ", *dir_, "/mariadb-start.log; tail -n 20 ",
                               *dir_, "/db/mysqld.log"));
  }

  static void TearDownTestSuite() {
    if (mariadb_ != nullptr) {
      std::system(absl::StrCat(*mariadb_, " stop ", *dir_, "/db").c_str());
    }
    if (dir_ != nullptr) std::system(absl::StrCat("rm -rf ", *dir_).c_str());
  }

  // The URL mariadb.sh printed with its query (?ssl-ca=...) replaced.
  static std::string UrlWithQuery(const std::string& query) {
    return absl::StrCat(url_->substr(0, url_->find('?')), query);
  }

  static std::string Password() {
    const size_t colon = url_->find(':', std::string("mysql://").size());
    return url_->substr(colon + 1, url_->find('@') - colon - 1);
  }

  // Opens one session the way the server's pool does.
  static absl::StatusOr<std::unique_ptr<PooledConnection>> Open(
      const std::string& url) {
    storage::MySqlOptions options;
    options.database_url = url;
    absl::StatusOr<ConnectionSettings> settings =
        ConnectionSettingsFrom(options);
    if (!settings.ok()) return settings.status();
    return OpenPooledConnection(*settings);
  }

  // Open(url) must fail with UNAVAILABLE; returns what the storage layer
  // logged about it, which must not contain the password.
  static std::string RefusedLog(const std::string& url) {
    ::testing::internal::CaptureStderr();
    absl::StatusOr<std::unique_ptr<PooledConnection>> connection = Open(url);
    const std::string log = ::testing::internal::GetCapturedStderr();
    EXPECT_EQ(connection.status().code(), absl::StatusCode::kUnavailable)
        << connection.status();
    EXPECT_THAT(log, Not(HasSubstr(Password())));
    return log;
  }

  static std::string Query(PooledConnection& connection,
                           const std::string& sql) {
    std::unique_ptr<sql::Statement> statement(
        connection.connection().createStatement());
    std::unique_ptr<sql::ResultSet> rows(statement->executeQuery(sql));
    return rows->next() ? std::string(rows->getString(2)) : "";
  }

  // Runs SQL as root over the instance's Unix socket (always allowed),
  // which mariadb.sh finds by its socket-path rule.
  static void RootSql(const std::string& sql) {
    const std::string command =
        absl::StrCat(*mariadb_, " sql ", *dir_, "/db \"", sql, "\"");
    ASSERT_EQ(std::system(command.c_str()), 0) << command;
  }

  static std::string* dir_;
  static std::string* mariadb_;
  static std::string* url_;
};

std::string* DatabaseTlsTest::dir_ = nullptr;
std::string* DatabaseTlsTest::mariadb_ = nullptr;
std::string* DatabaseTlsTest::url_ = nullptr;

TEST_F(DatabaseTlsTest, RightCaWorksThroughTheServerAndTheSessionIsEncrypted) {
  absl::StatusOr<std::unique_ptr<PooledConnection>> connection = Open(*url_);
  ASSERT_TRUE(connection.ok()) << connection.status();
  EXPECT_THAT(Query(**connection, "SHOW SESSION STATUS LIKE 'Ssl_cipher'"),
              Not(::testing::IsEmpty()));
  EXPECT_EQ(Query(**connection, "SHOW SESSION STATUS LIKE 'Ssl_version'")
                .substr(0, 4),
            "TLSv");

  // The whole server on this database: migrations, sign-up, a tweet, and
  // the timeline that shows it.
  absl::StatusOr<std::unique_ptr<app::MiniterServer>> server =
      app::MiniterServer::Start(TestServerOptions(*url_));
  ASSERT_TRUE(server.ok()) << server.status();
  auto stub = StubForPort((*server)->port());
  TestUser user = SignUpAndLogin(*stub, "dbtls");
  v1::TweetRequest tweet;
  tweet.set_text("sent to the database over TLS");
  v1::TweetResponse tweeted;
  ASSERT_TRUE(stub->Tweet(Context(user.token).get(), tweet, &tweeted).ok());
  v1::TimelineRequest read;
  v1::TimelineResponse timeline;
  ASSERT_TRUE(stub->Timeline(Context(user.token).get(), read, &timeline).ok());
  ASSERT_EQ(timeline.tweets_size(), 1);
  EXPECT_EQ(timeline.tweets(0).text(), "sent to the database over TLS");
}

TEST_F(DatabaseTlsTest, AnotherCaIsRefused) {
  const std::string log = RefusedLog(
      UrlWithQuery(absl::StrCat("?ssl-ca=", *dir_, "/other/ca.pem")));
  EXPECT_THAT(log, HasSubstr(absl::StrCat("error ", kCrSslConnectionError)));
  // OpenSSL's words depend on whether the server sends its CA along.
  EXPECT_THAT(log,
              AnyOf(HasSubstr("unable to get local issuer certificate"),
                    HasSubstr("self-signed certificate in certificate chain")));
}

TEST_F(DatabaseTlsTest, HostNameTheCertificateDoesNotCarryIsRefused) {
  // The same server, reached as "localhost"; its certificate names only
  // 127.0.0.1.
  std::string url =
      absl::StrReplaceAll(*url_, {{"@127.0.0.1:", "@localhost:"}});
  ASSERT_NE(url, *url_);
  const std::string log = RefusedLog(url);
  EXPECT_THAT(log, HasSubstr(absl::StrCat("error ", kCrSslConnectionError)));
  EXPECT_THAT(log, HasSubstr("Validation of SSL server certificate failed"));
}

TEST_F(DatabaseTlsTest, WithoutTlsOptionsTheServerRefuses) {
  // require_secure_transport: MariaDB turns the plaintext login away.
  const std::string log = RefusedLog(UrlWithQuery(""));
  EXPECT_THAT(log, HasSubstr(absl::StrCat("error ", kErrAccessDenied)));
}

TEST_F(DatabaseTlsTest, TlsOptionsAgainstAPlaintextServerNeverFallBack) {
  // The suite's shared test database speaks no TLS. With ssl-ca the client
  // must refuse it rather than log in in plaintext.
  const std::string plaintext = TestDatabaseUrl();
  ASSERT_EQ(plaintext.find('?'), std::string::npos) << "expected a TCP URL";
  ::testing::internal::CaptureStderr();
  absl::StatusOr<std::unique_ptr<PooledConnection>> connection =
      Open(absl::StrCat(plaintext, "?ssl-ca=", *dir_, "/ca.pem"));
  const std::string log = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(connection.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(log,
              HasSubstr("SSL is required, but the server does not support it"));
}

TEST_F(DatabaseTlsTest, ClientCertificateIsSentWhenGiven) {
  RootSql("ALTER USER 'miniter'@'127.0.0.1' REQUIRE X509");
  const std::string log = RefusedLog(*url_);
  EXPECT_THAT(log, HasSubstr(absl::StrCat("error ", kErrAccessDenied)));
  absl::StatusOr<std::unique_ptr<PooledConnection>> connection =
      Open(absl::StrCat(*url_, "&ssl-cert=", *dir_,
                        "/client.pem&ssl-key=", *dir_, "/client.key"));
  RootSql("ALTER USER 'miniter'@'127.0.0.1' REQUIRE NONE");
  ASSERT_TRUE(connection.ok()) << connection.status();
}

TEST_F(DatabaseTlsTest, UnreadableCaFileIsInvalidArgumentAtOnce) {
  storage::MySqlOptions options;
  options.database_url = UrlWithQuery("?ssl-ca=/nonexistent/ca.pem");
  absl::StatusOr<ConnectionSettings> settings = ConnectionSettingsFrom(options);
  EXPECT_EQ(settings.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(settings.status().message(), HasSubstr("ssl-ca= file"));
  EXPECT_THAT(settings.status().message(), Not(HasSubstr(Password())));
}

}  // namespace
}  // namespace miniter::testing
