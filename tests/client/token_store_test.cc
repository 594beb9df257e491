// token_store_test.cc: the token file's location, permissions, format and
// the rules for which token gets sent.
#include "client/token_store.h"

#include <sys/stat.h>

#include <fstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/client/temp_dir.h"

namespace miniter::client {
namespace {

using ::miniter::client::testing::TempDir;
using ::testing::HasSubstr;

int ModeOf(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return -1;
  return st.st_mode & 07777;
}

StoredToken SampleToken() {
  StoredToken token;
  token.server = "127.0.0.1:50051";
  token.access_token = "eyJ.secret.token";
  token.user_id = 3;
  token.expires_at = absl::FromUnixSeconds(1795780800);
  return token;
}

TEST(TokenPathTest, PrefersAbsoluteXdgConfigHome) {
  EXPECT_EQ(*TokenPathFromEnv("/x/cfg", "/home/ann"), "/x/cfg/miniter/token");
  EXPECT_EQ(*TokenPathFromEnv("/x/cfg/", "/home/ann"), "/x/cfg/miniter/token");
}

TEST(TokenPathTest, FallsBackToHomeWhenXdgIsUnsetEmptyOrRelative) {
  EXPECT_EQ(*TokenPathFromEnv(std::nullopt, "/home/ann"),
            "/home/ann/.config/miniter/token");
  EXPECT_EQ(*TokenPathFromEnv("", "/home/ann"),
            "/home/ann/.config/miniter/token");
  EXPECT_EQ(*TokenPathFromEnv("relative/cfg", "/home/ann"),
            "/home/ann/.config/miniter/token");
}

TEST(TokenPathTest, FailsWithoutEither) {
  EXPECT_EQ(TokenPathFromEnv(std::nullopt, std::nullopt).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_FALSE(TokenPathFromEnv("rel", "").ok());
}

TEST(TokenStoreTest, RoundTripWithPrivatePermissions) {
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  // Two missing levels, like a fresh ~/.config/miniter.
  const std::string config = dir.path() + "/cfg";
  TokenStore store(*TokenPathFromEnv(config, std::nullopt));
  ASSERT_TRUE(store.Save(SampleToken()).ok());

  EXPECT_EQ(ModeOf(store.path()), 0600);
  EXPECT_EQ(ModeOf(config + "/miniter"), 0700);
  EXPECT_EQ(ModeOf(config), 0700);

  absl::StatusOr<StoredToken> loaded = store.Load();
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->server, "127.0.0.1:50051");
  EXPECT_EQ(loaded->access_token, "eyJ.secret.token");
  EXPECT_EQ(loaded->user_id, 3u);
  EXPECT_EQ(loaded->expires_at, absl::FromUnixSeconds(1795780800));
}

TEST(TokenStoreTest, SaveReplacesAndTightensAnExistingDirectory) {
  TempDir dir;
  const std::string miniter_dir = dir.path() + "/miniter";
  ASSERT_EQ(mkdir(miniter_dir.c_str(), 0755), 0);
  TokenStore store(miniter_dir + "/token");
  ASSERT_TRUE(store.Save(SampleToken()).ok());
  StoredToken second = SampleToken();
  second.access_token = "second";
  ASSERT_TRUE(store.Save(second).ok());

  EXPECT_EQ(ModeOf(miniter_dir), 0700);
  EXPECT_EQ(store.Load()->access_token, "second");
  // No temporary files left behind.
  EXPECT_EQ(std::system(
                ("test $(ls -A '" + miniter_dir + "' | wc -l) -eq 1").c_str()),
            0);
}

TEST(TokenStoreTest, MissingCorruptAndRemoved) {
  TempDir dir;
  TokenStore store(dir.path() + "/miniter/token");
  EXPECT_EQ(store.Load().status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store.Remove().code(), absl::StatusCode::kNotFound);

  ASSERT_TRUE(store.Save(SampleToken()).ok());
  ASSERT_TRUE(store.Remove().ok());
  EXPECT_EQ(store.Load().status().code(), absl::StatusCode::kNotFound);

  ASSERT_TRUE(store.Save(SampleToken()).ok());
  std::ofstream(store.path()) << "server=x\n";
  EXPECT_EQ(store.Load().status().code(), absl::StatusCode::kDataLoss);
}

TEST(TokenStoreTest, UnknownKeysAndCommentsAreIgnored) {
  TempDir dir;
  TokenStore store(dir.path() + "/token");
  std::ofstream(store.path())
      << "# note\nfuture_key=1\nserver=s:1\ntoken=t=with=equals\n";
  absl::StatusOr<StoredToken> loaded = store.Load();
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->access_token, "t=with=equals");
  EXPECT_EQ(loaded->server, "s:1");
  EXPECT_EQ(loaded->user_id, 0u);
}

TEST(ResolveAccessTokenTest, EnvironmentOverridesTheFile) {
  TempDir dir;
  TokenStore store(dir.path() + "/token");
  ASSERT_TRUE(store.Save(SampleToken()).ok());
  absl::StatusOr<ResolvedToken> resolved =
      ResolveAccessToken("from-env", store, "other:1");
  ASSERT_TRUE(resolved.ok());
  EXPECT_EQ(resolved->access_token, "from-env");
  EXPECT_TRUE(resolved->warning.empty());
}

TEST(ResolveAccessTokenTest, FileIsUsedForItsOwnServerOnly) {
  TempDir dir;
  TokenStore store(dir.path() + "/token");
  ASSERT_TRUE(store.Save(SampleToken()).ok());

  absl::StatusOr<ResolvedToken> same =
      ResolveAccessToken(std::nullopt, store, "127.0.0.1:50051");
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(same->access_token, "eyJ.secret.token");

  // An empty MINITER_TOKEN counts as unset.
  absl::StatusOr<ResolvedToken> other =
      ResolveAccessToken("", store, "evil.example:50051");
  ASSERT_TRUE(other.ok());
  EXPECT_TRUE(other->access_token.empty());
  EXPECT_THAT(other->warning, HasSubstr("127.0.0.1:50051"));
  EXPECT_THAT(other->warning, ::testing::Not(HasSubstr("secret")));
}

TEST(ResolveAccessTokenTest, NoFileMeansNoToken) {
  TempDir dir;
  absl::StatusOr<ResolvedToken> resolved = ResolveAccessToken(
      std::nullopt, TokenStore(dir.path() + "/none"), "127.0.0.1:50051");
  ASSERT_TRUE(resolved.ok());
  EXPECT_TRUE(resolved->access_token.empty());
  EXPECT_TRUE(resolved->warning.empty());
}

}  // namespace
}  // namespace miniter::client
