// key_ring_test.cc: key ids are short, stable and public; a list of
// secrets is checked (count, length, duplicates) without ever echoing one;
// derived keys keep their secret's id; the operator's list syntax.
#include "server/rules/key_ring.h"

#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace miniter::rules {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

const std::string kNew(32, 'n');
const std::string kOld(32, 's');

KeyRing Ring(std::vector<std::string> secrets) {
  return *KeyRing::Create(std::move(secrets), 32, "token secret");
}

TEST(KeyRingTest, KeyIdsAreShortStableAndNotTheSecret) {
  const KeyRing ring = Ring({kOld});
  const KeyRing::Key& key = ring.newest();
  EXPECT_EQ(key.id.size(), KeyRing::kIdBytes);
  // A known answer (Python: hmac.new(b"s" * 32, b"miniter key id",
  // "sha256").digest()[:6], URL-safe base64): a change here would refuse
  // every token in flight after an upgrade.
  EXPECT_EQ(key.IdText(), "L3hB7BaU");
  EXPECT_EQ(Ring({kOld}).newest().id, key.id);
  EXPECT_NE(Ring({kNew}).newest().id, key.id);
  EXPECT_EQ(KeyRing::IdOf(kOld), key.id);
  EXPECT_EQ(kOld.find(key.id), std::string::npos);
}

TEST(KeyRingTest, NewestFirstAndFoundById) {
  const std::string middle(40, 'm');
  const KeyRing ring = Ring({kNew, middle, kOld});
  EXPECT_EQ(ring.newest().secret, kNew);
  EXPECT_EQ(ring.keys().back().secret, kOld);
  ASSERT_EQ(ring.keys().size(), 3u);
  for (const std::string& secret : {kNew, middle, kOld}) {
    const KeyRing::Key* found = ring.Find(KeyRing::IdOf(secret));
    ASSERT_NE(found, nullptr);
    EXPECT_EQ(found->secret, secret);
  }
  EXPECT_EQ(ring.Find(KeyRing::IdOf(std::string(32, 'x'))), nullptr);
  EXPECT_EQ(ring.Find(""), nullptr);
  EXPECT_EQ(ring.Find(std::string(KeyRing::kIdBytes, '\0')), nullptr);
}

TEST(KeyRingTest, RefusesBadListsWithoutEchoingASecret) {
  const std::string short_secret = "short-secret-0123456789";
  const std::vector<std::vector<std::string>> bad = {
      {},
      {short_secret},
      {kNew, short_secret},
      {kNew, kOld, kNew},
      std::vector<std::string>(9, kNew),
  };
  for (const std::vector<std::string>& secrets : bad) {
    absl::StatusOr<KeyRing> ring = KeyRing::Create(secrets, 32, "token secret");
    ASSERT_EQ(ring.status().code(), absl::StatusCode::kInvalidArgument)
        << secrets.size();
    EXPECT_THAT(ring.status().message(), HasSubstr("token secret"));
    EXPECT_THAT(ring.status().message(), Not(HasSubstr(short_secret)));
    EXPECT_THAT(ring.status().message(), Not(HasSubstr(kNew)));
  }
  EXPECT_THAT(KeyRing::Create({kNew, short_secret}, 32, "token secret")
                  .status()
                  .message(),
              HasSubstr("token secret 2 of 2 must be at least 32 bytes"));
  EXPECT_THAT(KeyRing::Create({kNew, kOld, kNew}, 32, "token secret")
                  .status()
                  .message(),
              HasSubstr("listed twice"));
  // Eight is the limit, not one fewer.
  std::vector<std::string> eight;
  for (char c = 'a'; c < 'a' + 8; ++c) eight.push_back(std::string(32, c));
  EXPECT_TRUE(KeyRing::Create(eight, 32, "token secret").ok());
}

TEST(KeyRingTest, DerivedKeysKeepTheIdsAndDependOnSecretAndPurpose) {
  const KeyRing ring = Ring({kNew, kOld});
  const KeyRing derived = ring.Derive("miniter page token v3");
  ASSERT_EQ(derived.keys().size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(derived.keys()[i].id, ring.keys()[i].id);
    EXPECT_EQ(derived.keys()[i].secret.size(), 32u);
    EXPECT_NE(derived.keys()[i].secret, ring.keys()[i].secret);
  }
  EXPECT_NE(derived.keys()[0].secret, derived.keys()[1].secret);
  // Every server with the secrets derives the same keys...
  EXPECT_EQ(Ring({kNew, kOld}).Derive("miniter page token v3").newest().secret,
            derived.newest().secret);
  // ...another purpose gives others.
  EXPECT_NE(ring.Derive("miniter something else").newest().secret,
            derived.newest().secret);
  // HMAC-SHA256 (known answer from Python's hmac module).
  EXPECT_EQ(absl::BytesToHexString(
                Ring({kOld}).Derive("miniter page token v2").newest().secret),
            "12a64cbb414b7eea39c546818290d80b73df5f2fadbc195ff011dda3dff44121");
}

TEST(KeyRingTest, SplitsTheOperatorsListNewestFirst) {
  // One secret, as before key ids: read whole.
  EXPECT_THAT(KeyRing::SplitList(kOld), ElementsAre(kOld));
  EXPECT_THAT(KeyRing::SplitList(kOld + "\n"), ElementsAre(kOld));
  // Comma-separated (flag, environment) or one per line (file, also with
  // CRLF), white space around each ignored, empty entries skipped.
  EXPECT_THAT(KeyRing::SplitList(kNew + "," + kOld), ElementsAre(kNew, kOld));
  EXPECT_THAT(KeyRing::SplitList(" " + kNew + " , " + kOld + " "),
              ElementsAre(kNew, kOld));
  EXPECT_THAT(KeyRing::SplitList(kNew + "\r\n\n" + kOld + "\r\n"),
              ElementsAre(kNew, kOld));
  EXPECT_THAT(KeyRing::SplitList(",," + kNew + ",,"), ElementsAre(kNew));
  EXPECT_THAT(KeyRing::SplitList(""), IsEmpty());
  EXPECT_THAT(KeyRing::SplitList(" \n , \n"), IsEmpty());
}

}  // namespace
}  // namespace miniter::rules
