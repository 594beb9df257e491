// limiter_state_integration_test.cc: rate limits shared through Redis
// (RedisLimiterState; ctest label "integration", fixture miniter_redis).
// Two limiter states stand for two servers sharing one Redis: a limit holds
// across both (attempts through A and B add up), the login backoff and the
// recognized logins count across both, every key has a TTL and names no
// e-mail or address in clear. On a private redis-server of its own, an
// outage (paused, then killed) costs at most one I/O timeout, after which
// calls are answered at once by each process's own limits (fail open).
// And, without Redis, what a malformed Redis URL gets.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/random/random.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "server/common/retry_hint.h"
#include "server/rules/local_limiter_state.h"
#include "server/rules/miniter_rules.h"
#include "server/storage/mocks/mock_stores.h"
#include "server/storage/redis/redis_client.h"
#include "server/storage/redis/redis_home_timeline_tier.h"
#include "server/storage/redis/redis_limiter_state.h"
#include "tests/storage/test_redis.h"

namespace miniter::storage {
namespace {

using redis::RedisClient;
using redis::RedisLimiterOptions;
using redis::RedisLimiterState;
using redis::RedisReply;
using rules::Bucket;
using ::testing::_;
using ::testing::NiceMock;
using ::testing::Return;

constexpr char kPeer[] = "203.0.113.9";
constexpr char kEmail[] = "ann@example.com";

class SharedLimitsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    url_ = RedisUrlFromEnvironment();
    if (url_.empty()) GTEST_SKIP() << "no test Redis configured";
    // A prefix per test: the Redis is shared with other suites and runs.
    prefix_ = absl::StrCat("test:rl:", absl::ToUnixMicros(absl::Now()), ":",
                           absl::Uniform<std::uint32_t>(bitgen_), ":");
    limits_.login_per_peer = {5, absl::Minutes(1)};
    limits_.login_per_email = {3, absl::Hours(1)};
    limits_.login_backoff_per_email_and_peer = {
        2, absl::Seconds(30), absl::Minutes(5), absl::Hours(1)};
    limits_.recognized_login_ttl = absl::Hours(24);
  }

  // One server's limiter state on `url` (the fixture's by default).
  std::shared_ptr<RedisLimiterState> Open(
      std::string url = "",
      absl::Duration io_timeout = absl::Milliseconds(250)) {
    RedisLimiterOptions options;
    options.url = url.empty() ? url_ : std::move(url);
    options.key_prefix = prefix_;
    options.key_secret = std::string(32, 's');
    options.io_timeout = io_timeout;
    options.probe_period = absl::Milliseconds(20);
    auto created = RedisLimiterState::Create(
        options, limits_, std::make_unique<rules::LocalLimiterState>(limits_));
    EXPECT_TRUE(created.ok()) << created.status();
    if (!created.ok()) return nullptr;
    std::shared_ptr<RedisLimiterState> state = *std::move(created);
    WaitShared(*state);
    return state;
  }

  static void WaitShared(const RedisLimiterState& state) {
    const absl::Time give_up = absl::Now() + absl::Seconds(10);
    while (!state.Shared() && absl::Now() < give_up) {
      absl::SleepFor(absl::Milliseconds(5));
    }
    ASSERT_TRUE(state.Shared()) << "Redis did not answer within 10 s";
  }

  // Rules of one server on `state`; every e-mail unknown but "ann", whose
  // password is "correct horse".
  std::unique_ptr<rules::MiniterRules> Rules(
      std::shared_ptr<rules::LimiterState> state) {
    rules::PasswordHasherOptions cheap;
    // Tests only: the cheapest Argon2id libsodium allows.
    cheap.ops_limit = 1;
    cheap.mem_limit_bytes = 8192;
    auto hasher = std::make_shared<rules::PasswordHasher>(cheap);
    const std::string hash = *hasher->Hash("correct horse");
    ON_CALL(*users_, FindCredentialsByEmailKey(_))
        .WillByDefault(Return(absl::NotFoundError("no such e-mail")));
    ON_CALL(*users_, FindCredentialsByEmailKey(std::string_view(kEmail)))
        .WillByDefault(Return(UserCredentials{5, hash}));
    rules::MiniterRules::Dependencies deps;
    deps.users = users_;
    deps.password_hasher = hasher;
    deps.tokens =
        *rules::TokenService::Create(std::string(32, 'k'), absl::Hours(1));
    deps.rate_limits = limits_;
    deps.limiter_state = std::move(state);
    return std::make_unique<rules::MiniterRules>(std::move(deps));
  }

  // One server: its limiter state on the fixture's Redis and its rules.
  struct Server {
    std::shared_ptr<RedisLimiterState> limits;
    std::unique_ptr<rules::MiniterRules> rules;
  };
  Server Start() {
    Server server;
    server.limits = Open();
    server.rules = Rules(server.limits);
    return server;
  }

  RedisReply Command(const std::vector<std::string>& argv) {
    RedisClient client(*redis::RedisClientOptions::FromUrl(
        url_, absl::Milliseconds(250), absl::Seconds(5)));
    absl::StatusOr<RedisReply> reply = client.Command(argv);
    EXPECT_TRUE(reply.ok()) << reply.status();
    return reply.ok() ? *std::move(reply) : RedisReply{};
  }

  // The remaining TTL of `key`: negative when it has none (-1) or is gone.
  absl::Duration Ttl(const std::string& key) {
    return absl::Milliseconds(Command({"PTTL", key}).integer);
  }

  std::string url_;
  std::string prefix_;
  rules::RateLimitOptions limits_;
  absl::BitGen bitgen_;
  std::shared_ptr<NiceMock<MockUserStore>> users_ =
      std::make_shared<NiceMock<MockUserStore>>();
};

// Before anything connects: what a URL gives the client of the limits and
// of the memory tier (one factory for both), and INVALID_ARGUMENT from
// either's Create for a URL that is not redis://HOST[:PORT] or
// unix:///PATH.
TEST(RedisClientOptionsTest, AUrlGivesTheEndpointAndTimeoutsOrInvalidArgument) {
  absl::StatusOr<redis::RedisClientOptions> tcp =
      redis::RedisClientOptions::FromUrl("redis://cache.internal:6380",
                                         absl::Seconds(1), absl::Seconds(2));
  ASSERT_TRUE(tcp.ok()) << tcp.status();
  EXPECT_EQ(tcp->endpoint.host, "cache.internal");
  EXPECT_EQ(tcp->endpoint.port, 6380);
  EXPECT_EQ(tcp->connect_timeout, absl::Seconds(1));
  EXPECT_EQ(tcp->io_timeout, absl::Seconds(2));
  absl::StatusOr<redis::RedisClientOptions> unix_socket =
      redis::RedisClientOptions::FromUrl("unix:///run/redis.sock",
                                         absl::Seconds(1), absl::Seconds(2));
  ASSERT_TRUE(unix_socket.ok()) << unix_socket.status();
  EXPECT_EQ(unix_socket->endpoint.unix_socket, "/run/redis.sock");

  for (const char* url : {"", "http://cache", "redis://", "redis://h:0",
                          "redis://user:pw@h", "unix://relative.sock"}) {
    EXPECT_EQ(redis::RedisClientOptions::FromUrl(url, absl::Seconds(1),
                                                 absl::Seconds(1))
                  .status()
                  .code(),
              absl::StatusCode::kInvalidArgument)
        << url;
    redis::RedisTierOptions tier;
    tier.url = url;
    EXPECT_EQ(redis::RedisHomeTimelineTier::Create(tier).status().code(),
              absl::StatusCode::kInvalidArgument)
        << url;
    RedisLimiterOptions limits;
    limits.url = url;
    limits.key_secret = std::string(32, 's');
    rules::RateLimitOptions rate_limits;
    EXPECT_EQ(RedisLimiterState::Create(
                  limits, rate_limits,
                  std::make_unique<rules::LocalLimiterState>(rate_limits))
                  .status()
                  .code(),
              absl::StatusCode::kInvalidArgument)
        << url;
  }
}

TEST_F(SharedLimitsTest, LoginsPerAddressAddUpAcrossServers) {
  Server server_a = Start();
  Server server_b = Start();
  ASSERT_TRUE(server_a.limits != nullptr && server_b.limits != nullptr);
  rules::MiniterRules* a = server_a.rules.get();
  rules::MiniterRules* b = server_b.rules.get();
  // 5 a minute: 3 through A and 2 through B go, B's third (the 6th) not.
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(a->AdmitLogin(kPeer).ok()) << i;
  for (int i = 0; i < 2; ++i) EXPECT_TRUE(b->AdmitLogin(kPeer).ok()) << i;
  absl::Status sixth = b->AdmitLogin(kPeer);
  EXPECT_EQ(sixth.code(), absl::StatusCode::kResourceExhausted) << sixth;
  ASSERT_TRUE(common::RetryAfter(sixth).has_value());
  EXPECT_GT(*common::RetryAfter(sixth), absl::ZeroDuration());
  EXPECT_LE(*common::RetryAfter(sixth), absl::Seconds(12));
  EXPECT_EQ(a->AdmitLogin(kPeer).code(), absl::StatusCode::kResourceExhausted);
  // Another address has its own bucket.
  EXPECT_TRUE(a->AdmitLogin("203.0.113.10").ok());
  // The bucket's key lives until it would be full again: at most a period.
  const std::string key = server_a.limits->KeyFor("login_peer", kPeer);
  EXPECT_GT(Ttl(key), absl::ZeroDuration());
  EXPECT_LE(Ttl(key), absl::Minutes(1) + absl::Milliseconds(1));
}

TEST_F(SharedLimitsTest, LoginBackoffAndFailureBudgetCountAcrossServers) {
  Server server_a = Start();
  Server server_b = Start();
  ASSERT_TRUE(server_a.limits != nullptr && server_b.limits != nullptr);
  rules::MiniterRules* a = server_a.rules.get();
  rules::MiniterRules* b = server_b.rules.get();
  RedisLimiterState* state_b = server_b.limits.get();
  // Two free failures per (e-mail, address): one through each server...
  EXPECT_TRUE(
      absl::IsUnauthenticated(a->Login(kEmail, "guess 1", kPeer).status()));
  EXPECT_TRUE(
      absl::IsUnauthenticated(b->Login(kEmail, "guess 2", kPeer).status()));
  // ...then the next, through either, waits the first delay.
  absl::Status third = a->Login(kEmail, "guess 3", kPeer).status();
  EXPECT_EQ(third.code(), absl::StatusCode::kResourceExhausted) << third;
  ASSERT_TRUE(common::RetryAfter(third).has_value());
  EXPECT_GT(*common::RetryAfter(third), absl::Seconds(25));
  EXPECT_LE(*common::RetryAfter(third), absl::Seconds(30));
  // The failures are forgotten an hour after the last one.
  const std::string backoff = state_b->KeyFor(
      "backoff", absl::StrCat(sizeof(kPeer) - 1, ":", kPeer, kEmail));
  EXPECT_GT(Ttl(backoff), absl::Minutes(59));
  EXPECT_LE(Ttl(backoff), absl::Hours(1) + absl::Milliseconds(1));

  // The e-mail's budget of 3 failures from unrecognized addresses: guess 1
  // and 2 spent two; one more from anywhere spends it, for both servers.
  EXPECT_TRUE(absl::IsUnauthenticated(
      b->Login(kEmail, "guess 4", "198.51.100.1").status()));
  absl::Status spent =
      a->Login(kEmail, "correct horse", "198.51.100.2").status();
  EXPECT_EQ(spent.code(), absl::StatusCode::kResourceExhausted) << spent;
  EXPECT_THAT(std::string(spent.message()), ::testing::HasSubstr("e-mail"));
  const std::string budget = state_b->KeyFor("login_fail_email", kEmail);
  EXPECT_GT(Ttl(budget), absl::ZeroDuration());
  EXPECT_LE(Ttl(budget), absl::Hours(1) + absl::Milliseconds(1));
}

TEST_F(SharedLimitsTest, ALoginThroughOneServerIsRecognizedByTheOther) {
  Server server_a = Start();
  Server server_b = Start();
  ASSERT_TRUE(server_a.limits != nullptr && server_b.limits != nullptr);
  rules::MiniterRules* a = server_a.rules.get();
  rules::MiniterRules* b = server_b.rules.get();
  RedisLimiterState* state_a = server_a.limits.get();
  RedisLimiterState* state_b = server_b.limits.get();
  ASSERT_TRUE(a->Login(kEmail, "correct horse", kPeer).ok());
  const std::string pair = absl::StrCat(sizeof(kPeer) - 1, ":", kPeer, kEmail);
  EXPECT_TRUE(state_b->RecognizesLogin(pair));
  EXPECT_FALSE(state_b->RecognizesLogin(absl::StrCat(pair, "x")));
  const std::string key = state_a->KeyFor("login", pair);
  EXPECT_GT(Ttl(key), absl::Hours(23));
  EXPECT_LE(Ttl(key), absl::Hours(24));
  // Strangers spend the e-mail's budget, through both servers...
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(absl::IsUnauthenticated(
        (i % 2 == 0 ? a : b)
            ->Login(kEmail, "guess", absl::StrCat("192.0.2.", i))
            .status()));
  }
  EXPECT_EQ(a->Login(kEmail, "guess", "192.0.2.99").status().code(),
            absl::StatusCode::kResourceExhausted);
  // ...and the owner, recognized through A, still logs in through B.
  EXPECT_TRUE(b->Login(kEmail, "correct horse", kPeer).ok());
}

TEST_F(SharedLimitsTest, GivenBackTokensAndRefillsAreShared) {
  limits_.tweet_per_account = {2, absl::Seconds(2)};
  std::shared_ptr<RedisLimiterState> a = Open();
  std::shared_ptr<RedisLimiterState> b = Open();
  ASSERT_TRUE(a != nullptr && b != nullptr);
  EXPECT_EQ(a->Take(Bucket::kTweetPerAccount, "7", 2), absl::ZeroDuration());
  const absl::Duration wait = b->Take(Bucket::kTweetPerAccount, "7", 1);
  EXPECT_GT(wait, absl::ZeroDuration());
  EXPECT_LE(wait, absl::Seconds(1));
  b->GiveBack(Bucket::kTweetPerAccount, "7", 1);
  EXPECT_EQ(a->Take(Bucket::kTweetPerAccount, "7", 1), absl::ZeroDuration());
  EXPECT_GT(b->Take(Bucket::kTweetPerAccount, "7", 1), absl::ZeroDuration());
  // A bucket that has refilled is no key at all: Redis expires it by its
  // own clock once the 2 s period has passed, so the test lets that time
  // pass (polling for the key to vanish would also accept a longer TTL).
  absl::SleepFor(absl::Milliseconds(2100));
  EXPECT_EQ(Command({"EXISTS", a->KeyFor("tweet_account", "7")}).integer, 0);
  EXPECT_EQ(b->Take(Bucket::kTweetPerAccount, "7", 2), absl::ZeroDuration());
}

TEST_F(SharedLimitsTest, KeysNameNoAddressOrEmailInClear) {
  Server server = Start();
  ASSERT_NE(server.limits, nullptr);
  rules::MiniterRules* a = server.rules.get();
  ASSERT_TRUE(a->AdmitLogin(kPeer).ok());
  ASSERT_TRUE(
      absl::IsUnauthenticated(a->Login(kEmail, "guess", kPeer).status()));
  ASSERT_TRUE(a->Login(kEmail, "correct horse", "192.0.2.1").ok());
  RedisReply keys = Command({"KEYS", absl::StrCat(prefix_, "*")});
  EXPECT_GE(keys.elements.size(), 2u);
  for (const RedisReply& key : keys.elements) {
    EXPECT_FALSE(absl::StrContains(key.str, "203.0.113")) << key.str;
    EXPECT_FALSE(absl::StrContains(key.str, "192.0.2")) << key.str;
    EXPECT_FALSE(absl::StrContains(key.str, "example.com")) << key.str;
    EXPECT_GT(Ttl(key.str), absl::ZeroDuration()) << key.str;
  }
}

// An outage of Redis: a paused one costs the first call at most the I/O
// timeout; every call after it is answered at once by the process's own
// limits, which still refuse; Redis is used again once it answers.
TEST_F(SharedLimitsTest, AnOutageFailsOpenToPerProcessLimitsWithinABound) {
  PrivateRedis redis;
  ASSERT_FALSE(redis.url().empty()) << "redis-server did not start";
  constexpr absl::Duration kIoTimeout = absl::Milliseconds(200);
  std::shared_ptr<RedisLimiterState> state = Open(redis.url(), kIoTimeout);
  ASSERT_NE(state, nullptr);
  std::unique_ptr<rules::MiniterRules> rules = Rules(state);
  ASSERT_TRUE(rules->AdmitLogin(kPeer).ok());

  redis.Pause();
  absl::Time start = absl::Now();
  EXPECT_TRUE(rules->AdmitLogin(kPeer).ok());  // the fallback's first token
  const absl::Duration first = absl::Now() - start;
  // The timeout plus scheduling slack on a busy machine; far below what a
  // second timeout would add.
  EXPECT_LT(first, kIoTimeout + absl::Milliseconds(150));
  EXPECT_FALSE(state->Shared());
  start = absl::Now();
  int admitted = 1;
  for (int i = 0; i < 20; ++i) admitted += rules->AdmitLogin(kPeer).ok();
  EXPECT_LT(absl::Now() - start, absl::Milliseconds(100));
  // Per process, the limit still holds: 5 a minute.
  EXPECT_EQ(admitted, 5);

  redis.Resume();
  WaitShared(*state);
  // Back on Redis: its bucket, with the token spent before the outage and
  // perhaps the one of the call that timed out (the paused Redis still
  // had it in its socket and ran it when it woke up).
  int shared = 0;
  for (int i = 0; i < 5; ++i) shared += rules->AdmitLogin(kPeer).ok();
  EXPECT_GE(shared, 3);
  EXPECT_LE(shared, 4);

  redis.Kill();
  start = absl::Now();
  EXPECT_TRUE(rules->Login(kEmail, "correct horse", kPeer).ok());
  for (int i = 0; i < 10; ++i) rules->AdmitLogin("y").IgnoreError();
  EXPECT_LT(absl::Now() - start, kIoTimeout + absl::Milliseconds(150));
  EXPECT_FALSE(state->Shared());
}

}  // namespace
}  // namespace miniter::storage
