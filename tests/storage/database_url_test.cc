// database_url_test.cc: parsing of the mysql:// database URL.
#include "server/storage/mysql/database_url.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace miniter::storage::mysql {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(ParseDatabaseUrlTest, FullTcpUrl) {
  absl::StatusOr<DatabaseUrl> url =
      ParseDatabaseUrl("mysql://miniter:s3cret@db.example.com:13306/miniter");
  ASSERT_TRUE(url.ok()) << url.status();
  EXPECT_EQ(url->user, "miniter");
  EXPECT_EQ(url->password, "s3cret");
  EXPECT_EQ(url->host, "db.example.com");
  EXPECT_EQ(url->port, 13306);
  EXPECT_EQ(url->database, "miniter");
  EXPECT_EQ(url->socket, "");
  EXPECT_EQ(DescribeDatabaseTarget(*url), "db.example.com:13306/miniter");
}

TEST(ParseDatabaseUrlTest, DefaultPortAndNoPassword) {
  absl::StatusOr<DatabaseUrl> url = ParseDatabaseUrl("mysql://app@10.0.0.5/db");
  ASSERT_TRUE(url.ok()) << url.status();
  EXPECT_EQ(url->user, "app");
  EXPECT_EQ(url->password, "");
  EXPECT_EQ(url->port, 3306);
  EXPECT_EQ(DescribeDatabaseTarget(*url), "10.0.0.5:3306/db");
}

TEST(ParseDatabaseUrlTest, PercentDecodesUserPasswordAndDatabase) {
  absl::StatusOr<DatabaseUrl> url =
      ParseDatabaseUrl("mysql://us%65r:p%40ss%3Aw%2Fo%3frd@host:1/my%5Fdb");
  ASSERT_TRUE(url.ok()) << url.status();
  EXPECT_EQ(url->user, "user");
  EXPECT_EQ(url->password, "p@ss:w/o?rd");
  EXPECT_EQ(url->database, "my_db");
}

TEST(ParseDatabaseUrlTest, UnencodedAtAndColonInPasswordStillParse) {
  absl::StatusOr<DatabaseUrl> url =
      ParseDatabaseUrl("mysql://u:p@ss:wd@host/db");
  ASSERT_TRUE(url.ok()) << url.status();
  EXPECT_EQ(url->password, "p@ss:wd");
  EXPECT_EQ(url->host, "host");
}

TEST(ParseDatabaseUrlTest, Socket) {
  absl::StatusOr<DatabaseUrl> url = ParseDatabaseUrl(
      "mysql://u:p@localhost/db?socket=/run/mysqld/mysqld.sock");
  ASSERT_TRUE(url.ok()) << url.status();
  EXPECT_EQ(url->socket, "/run/mysqld/mysqld.sock");
  EXPECT_EQ(DescribeDatabaseTarget(*url), "socket /run/mysqld/mysqld.sock/db");

  absl::StatusOr<DatabaseUrl> no_host =
      ParseDatabaseUrl("mysql://u@/db?socket=%2Ftmp%2Fa%20b.sock");
  ASSERT_TRUE(no_host.ok()) << no_host.status();
  EXPECT_EQ(no_host->socket, "/tmp/a b.sock");
}

TEST(ParseDatabaseUrlTest, Ipv6Host) {
  absl::StatusOr<DatabaseUrl> url = ParseDatabaseUrl("mysql://u@[::1]:3307/db");
  ASSERT_TRUE(url.ok()) << url.status();
  EXPECT_EQ(url->host, "::1");
  EXPECT_EQ(url->port, 3307);
  EXPECT_EQ(DescribeDatabaseTarget(*url), "[::1]:3307/db");
}

TEST(ParseDatabaseUrlTest, NoTlsParametersMeanPlaintext) {
  absl::StatusOr<DatabaseUrl> url = ParseDatabaseUrl("mysql://u@h/db");
  ASSERT_TRUE(url.ok()) << url.status();
  EXPECT_EQ(url->tls_mode, TlsMode::kDisabled);
  EXPECT_EQ(url->ssl_ca, "");

  url = ParseDatabaseUrl("mysql://u@h/db?ssl-mode=disabled");
  ASSERT_TRUE(url.ok()) << url.status();
  EXPECT_EQ(url->tls_mode, TlsMode::kDisabled);
}

TEST(ParseDatabaseUrlTest, SslCaAloneMeansVerifyIdentity) {
  absl::StatusOr<DatabaseUrl> url = ParseDatabaseUrl(
      "mysql://u:p@db.example.com:3306/db?ssl-ca=%2Fetc%2Fmy%20ca%2Fca.pem");
  ASSERT_TRUE(url.ok()) << url.status();
  EXPECT_EQ(url->tls_mode, TlsMode::kVerifyIdentity);
  EXPECT_EQ(url->ssl_ca, "/etc/my ca/ca.pem");
  EXPECT_EQ(url->ssl_cert, "");
  EXPECT_EQ(DescribeDatabaseTarget(*url),
            "db.example.com:3306/db tls=verify-identity");
}

TEST(ParseDatabaseUrlTest, ExplicitModeAndClientCertificate) {
  absl::StatusOr<DatabaseUrl> url = ParseDatabaseUrl(
      "mysql://u:p@10.0.0.5/db?ssl-mode=VERIFY-IDENTITY&ssl-ca=/ca.pem"
      "&ssl-cert=/client.pem&ssl-key=/client.key");
  ASSERT_TRUE(url.ok()) << url.status();
  EXPECT_EQ(url->tls_mode, TlsMode::kVerifyIdentity);
  EXPECT_EQ(url->ssl_ca, "/ca.pem");
  EXPECT_EQ(url->ssl_cert, "/client.pem");
  EXPECT_EQ(url->ssl_key, "/client.key");
}

TEST(ParseDatabaseUrlTest, SchemeIsCaseInsensitive) {
  EXPECT_TRUE(ParseDatabaseUrl("MySQL://u@h/db").ok());
}

struct BadUrl {
  const char* url;
  const char* message_part;
};

class ParseDatabaseUrlErrorTest : public ::testing::TestWithParam<BadUrl> {};

TEST_P(ParseDatabaseUrlErrorTest, IsInvalidArgumentWithClearMessage) {
  absl::StatusOr<DatabaseUrl> url = ParseDatabaseUrl(GetParam().url);
  ASSERT_FALSE(url.ok());
  EXPECT_EQ(url.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(url.status().message(), HasSubstr(GetParam().message_part));
  // The password in every case below is "hunter2".
  EXPECT_THAT(url.status().message(), Not(HasSubstr("hunter2")));
}

INSTANTIATE_TEST_SUITE_P(
    Malformed, ParseDatabaseUrlErrorTest,
    ::testing::Values(
        BadUrl{"postgres://u:hunter2@h/db", "must start with mysql://"},
        BadUrl{"", "must start with mysql://"},
        BadUrl{"mysql://h/db", "needs USER@"},
        BadUrl{"mysql://:hunter2@h/db", "user name is empty"},
        BadUrl{"mysql://u:hunter2@h", "needs /DATABASE"},
        BadUrl{"mysql://u:hunter2@h/", "database name is empty"},
        BadUrl{"mysql://u:hunter2@h:0/db", "port must be a number"},
        BadUrl{"mysql://u:hunter2@h:65536/db", "port must be a number"},
        BadUrl{"mysql://u:hunter2@h:33o6/db", "port must be a number"},
        BadUrl{"mysql://u:hunter2@h:/db", "port after ':' is empty"},
        BadUrl{"mysql://u:hunter2%zz@h/db", "percent-encoding in the password"},
        BadUrl{"mysql://u:hunter2%4@h/db", "percent-encoding in the password"},
        BadUrl{"mysql://u:hunter2@/db", "host is empty"},
        BadUrl{"mysql://u:hunter2@h/db?ssl=1", "unknown parameter \"ssl\""},
        BadUrl{"mysql://u:hunter2@h/db?sslca=/ca.pem",
               "unknown parameter \"sslca\""},
        BadUrl{"mysql://u:hunter2@h/db?ssl-ca=/a.pem&ssl-ca=/b.pem",
               "\"ssl-ca\" is given twice"},
        BadUrl{"mysql://u:hunter2@h/db?ssl-ca=ca.pem",
               "ssl-ca= needs an absolute"},
        BadUrl{"mysql://u:hunter2@h/db?ssl-ca=", "ssl-ca= needs an absolute"},
        BadUrl{"mysql://u:hunter2@h/db?ssl-ca=/c%zz",
               "percent-encoding in the ssl-ca"},
        BadUrl{"mysql://u:hunter2@h/db?ssl-mode=verify-ca&ssl-ca=/ca.pem",
               "verify-ca is not offered"},
        BadUrl{"mysql://u:hunter2@h/db?ssl-mode=required",
               "required is not offered"},
        BadUrl{"mysql://u:hunter2@h/db?ssl-mode=on", "ssl-mode must be"},
        BadUrl{"mysql://u:hunter2@h/db?ssl-mode=verify-identity",
               "verify-identity needs ssl-ca"},
        BadUrl{"mysql://u:hunter2@h/db?ssl-mode=disabled&ssl-ca=/ca.pem",
               "contradicts"},
        BadUrl{"mysql://u:hunter2@h/db?ssl-ca=/ca.pem&ssl-cert=/c.pem",
               "go together"},
        BadUrl{"mysql://u:hunter2@h/db?ssl-cert=/c.pem&ssl-key=/c.key",
               "need ssl-ca"},
        BadUrl{"mysql://u:hunter2@localhost/db?socket=/s.sock&ssl-ca=/ca.pem",
               "need a TCP host"},
        BadUrl{"mysql://u:hunter2@h/db?socket=relative", "absolute path"},
        BadUrl{"mysql://u:hunter2@[::1/db", "closing ']'"},
        BadUrl{"mysql://u:hunter2@h/db#x", "'#'"}),
    [](const ::testing::TestParamInfo<BadUrl>& info) {
      return "Case" + std::to_string(info.index);
    });

}  // namespace
}  // namespace miniter::storage::mysql
