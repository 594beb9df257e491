// cluster_test.cc: the scale-out topology of scripts/cluster.sh (two servers
// behind HAProxy on a primary and a semi-synchronous replica) behaves as one
// service: shared tokens, read-your-writes across servers, a killed or
// draining server costs only its in-flight calls, a stopped replica costs
// nothing, and the primary-failure procedure keeps every acknowledged write.
//
// The tests run in order on one cluster (started once, torn down at the
// end); each leaves the cluster whole for the next.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "miniter/client/miniter_client.h"
#include "miniter/v1/miniter.grpc.pb.h"

namespace miniter::testing {
namespace {

using ::testing::Contains;
using ::testing::IsSupersetOf;

struct CommandResult {
  int exit_code = -1;
  std::string output;
};

// Runs a shell command, stdout and stderr together.
CommandResult Shell(const std::string& command) {
  CommandResult result;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) {
    result.output.append(buffer, n);
  }
  const int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

bool PortIsFree(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(port);
  const bool free =
      bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  close(fd);
  return free;
}

// cluster.sh uses base+0 .. base+12.
int FreePortBase() {
  std::mt19937 random(std::random_device{}());
  std::uniform_int_distribution<int> pick(20000, 59000);
  for (int attempt = 0; attempt < 200; ++attempt) {
    const int base = pick(random);
    bool all_free = true;
    for (int offset = 0; offset <= 12 && all_free; ++offset) {
      all_free = PortIsFree(base + offset);
    }
    if (all_free) return base;
  }
  return 0;
}

// Remote ports of this process's established TCP connections (IPv4), from
// /proc: which servers a gRPC channel is actually connected to.
std::multiset<int> ConnectedRemotePorts() {
  std::set<std::string> inodes;
  for (int fd = 0; fd < 4096; ++fd) {
    char target[256];
    const std::string link = absl::StrCat("/proc/self/fd/", fd);
    const ssize_t n = readlink(link.c_str(), target, sizeof target - 1);
    if (n <= 0) continue;
    target[n] = '\0';
    absl::string_view text(target);
    if (absl::ConsumePrefix(&text, "socket:[") &&
        absl::ConsumeSuffix(&text, "]")) {
      inodes.insert(std::string(text));
    }
  }
  std::multiset<int> ports;
  // gRPC dials IPv4 addresses from dual-stack IPv6 sockets where it can,
  // so those connections are listed in tcp6 (as ::ffff:127.0.0.1).
  for (const char* table : {"/proc/self/net/tcp", "/proc/self/net/tcp6"}) {
    std::ifstream tcp(table);
    std::string line;
    std::getline(tcp, line);  // header
    while (std::getline(tcp, line)) {
      std::vector<std::string> fields =
          absl::StrSplit(line, ' ', absl::SkipEmpty());
      // sl local rem st tx:rx tr:when retrnsmt uid timeout inode
      if (fields.size() < 10 || fields[3] != "01") continue;  // ESTABLISHED
      if (inodes.count(fields[9]) == 0) continue;
      const std::string& remote = fields[2];
      ports.insert(std::stoi(remote.substr(remote.find(':') + 1), nullptr, 16));
    }
  }
  return ports;
}

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? std::string() : std::string(value);
}

using Stub = miniter::v1::Miniter::Stub;

std::unique_ptr<Stub> StubFor(const std::string& address) {
  return miniter::v1::Miniter::NewStub(
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
}

std::unique_ptr<grpc::ClientContext> Context(const std::string& token = "") {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
  if (!token.empty()) {
    context->AddMetadata("authorization", absl::StrCat("Bearer ", token));
  }
  return context;
}

struct Account {
  std::string token;
  uint64_t id = 0;
};

// Calls made by a pool of threads until Stop(); each thread has at most one
// call in flight, so at most `threads` calls can be cut off at any moment.
class Load {
 public:
  using Call = std::function<grpc::Status(int thread, int iteration)>;
  Load(int threads, Call call) : threads_(threads) {
    for (int t = 0; t < threads; ++t) {
      workers_.emplace_back([this, t, call] {
        for (int i = 0; !stop_.load(); ++i) {
          const absl::Time start = absl::Now();
          grpc::Status status = call(t, i);
          std::lock_guard<std::mutex> lock(mutex_);
          if (status.ok()) {
            ++ok_;
            last_ok_ = absl::Now();
          } else {
            failures_.push_back({start, absl::Now(), status.error_code(),
                                 status.error_message()});
          }
        }
      });
    }
  }
  ~Load() { Stop(); }

  void Stop() {
    stop_ = true;
    for (std::thread& worker : workers_) {
      if (worker.joinable()) worker.join();
    }
  }

  struct Failure {
    absl::Time started, ended;
    grpc::StatusCode code;
    std::string message;
  };
  int ok() {
    std::lock_guard<std::mutex> lock(mutex_);
    return ok_;
  }
  std::vector<Failure> failures() {
    std::lock_guard<std::mutex> lock(mutex_);
    return failures_;
  }
  static std::string Describe(const std::vector<Failure>& failures) {
    std::string text;
    for (const Failure& f : failures) {
      absl::StrAppend(
          &text, "\n  code ", f.code, " at ",
          absl::FormatTime("%H:%M:%E3S", f.ended, absl::UTCTimeZone()), ": ",
          f.message);
    }
    return text;
  }

 private:
  const int threads_;
  std::atomic<bool> stop_{false};
  std::vector<std::thread> workers_;
  std::mutex mutex_;
  int ok_ = 0;
  absl::Time last_ok_;
  std::vector<Failure> failures_;
};

class ClusterTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    state_dir_ = Env("MINITER_SCALE_STATE_DIR");
    ASSERT_FALSE(state_dir_.empty()) << "MINITER_SCALE_STATE_DIR is not set";
    cluster_ = Env("MINITER_CLUSTER_SCRIPT");
    // A previous run that was killed may have left processes behind.
    Shell(Cli("stop"));
    Shell(absl::StrCat("rm -rf '", state_dir_, "'"));
    base_ = FreePortBase();
    ASSERT_NE(base_, 0) << "no 13 consecutive free ports";
    const CommandResult start =
        Shell(absl::StrCat("MINITER_CLUSTER_PORT=", base_,
                           " MINITER_SHUTDOWN_GRACE=5s ", Cli("start")));
    ASSERT_EQ(start.exit_code, 0) << start.output;
    started_ = true;
  }

  static void TearDownTestSuite() {
    if (started_) {
      const CommandResult stop = Shell(Cli("stop"));
      EXPECT_EQ(stop.exit_code, 0) << stop.output;
    }
  }

  void SetUp() override {
    if (!started_) GTEST_SKIP() << "the cluster did not start";
  }

  static std::string Cli(const std::string& arguments) {
    return absl::StrCat("bash '", cluster_, "' ", arguments, " '", state_dir_,
                        "'");
  }
  static std::string Balancer() { return absl::StrCat("127.0.0.1:", base_); }
  static std::string Server(int n) {
    return absl::StrCat("127.0.0.1:", base_ + 10 + n);
  }

  // Output of `cluster.sh sql ROLE SQL`; an error is a test failure unless
  // `may_fail` (polling a replica that is still being built).
  static std::string Sql(const std::string& role, const std::string& sql,
                         bool may_fail = false) {
    const CommandResult result =
        Shell(absl::StrCat("bash '", cluster_, "' sql ", role, " \"", sql,
                           "\" '", state_dir_, "'"));
    if (!may_fail) {
      EXPECT_EQ(result.exit_code, 0) << sql << ": " << result.output;
    }
    return result.exit_code == 0 ? result.output : std::string();
  }

  static std::set<uint64_t> TweetIds(const std::string& role,
                                     bool may_fail = false) {
    std::set<uint64_t> ids;
    for (absl::string_view line :
         absl::StrSplit(Sql(role, "SELECT id FROM miniter.tweets", may_fail),
                        '\n', absl::SkipEmpty())) {
      uint64_t id;
      if (absl::SimpleAtoi(line, &id)) ids.insert(id);
    }
    return ids;
  }

  // "s1 UP" / "s2 DOWN" from cluster.sh status, for waits.
  static bool BalancerSees(const std::string& server_state) {
    return Shell(Cli("status")).output.find(server_state) != std::string::npos;
  }
  static bool WaitFor(const std::function<bool()>& condition,
                      absl::Duration timeout) {
    const absl::Time give_up = absl::Now() + timeout;
    while (absl::Now() < give_up) {
      if (condition()) return true;
      absl::SleepFor(absl::Milliseconds(100));
    }
    return condition();
  }

  static std::string ServerLog(int n) {
    std::ifstream log(absl::StrCat(state_dir_, "/server", n, ".log"));
    std::stringstream text;
    text << log.rdbuf();
    return text.str();
  }
  // The server's latest line about where timelines are read.
  static std::string LastReplicaLogLine(int n) {
    std::string last;
    for (absl::string_view line : absl::StrSplit(ServerLog(n), '\n')) {
      if (line.find("replica") != absl::string_view::npos &&
          line.find("timelines read from") != absl::string_view::npos) {
        last = std::string(line);
      }
    }
    return last;
  }

  static Account NewAccount(const std::string& via_address) {
    static std::atomic<int> counter{0};
    const std::string email = absl::StrCat("scale", counter.fetch_add(1), "-",
                                           getpid(), "@example.com");
    std::unique_ptr<Stub> stub = StubFor(via_address);
    miniter::v1::SignUpRequest signup;
    signup.set_name("Scale");
    signup.set_email(email);
    signup.set_password("correct horse battery");
    miniter::v1::SignUpResponse signed_up;
    grpc::Status status = stub->SignUp(Context().get(), signup, &signed_up);
    EXPECT_TRUE(status.ok()) << status.error_message();
    miniter::v1::LoginRequest login;
    login.set_email(email);
    login.set_password("correct horse battery");
    miniter::v1::LoginResponse logged_in;
    status = stub->Login(Context().get(), login, &logged_in);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return {logged_in.access_token(), logged_in.user_id()};
  }

  static grpc::Status Timeline(Stub& stub, const std::string& token,
                               miniter::v1::TimelineResponse* response,
                               uint64_t user_id = 0) {
    miniter::v1::TimelineRequest request;
    request.set_user_id(user_id);
    request.set_page_size(20);
    return stub.Timeline(Context(token).get(), request, response);
  }

  static grpc::Status Tweet(Stub& stub, const std::string& token,
                            const std::string& text, uint64_t* id = nullptr) {
    miniter::v1::TweetRequest request;
    request.set_text(text);
    miniter::v1::TweetResponse response;
    grpc::Status status = stub.Tweet(Context(token).get(), request, &response);
    if (status.ok() && id != nullptr) *id = response.tweet().id();
    return status;
  }

  static std::string state_dir_;
  static std::string cluster_;
  static int base_;
  static bool started_;
};

std::string ClusterTest::state_dir_;
std::string ClusterTest::cluster_;
int ClusterTest::base_ = 0;
bool ClusterTest::started_ = false;

TEST_F(ClusterTest, TokenFromOneServerIsAcceptedByTheOther) {
  const Account ann = NewAccount(Server(1));
  ASSERT_FALSE(ann.token.empty());
  std::unique_ptr<Stub> server2 = StubFor(Server(2));
  miniter::v1::TimelineResponse timeline;
  grpc::Status status = Timeline(*server2, ann.token, &timeline);
  EXPECT_TRUE(status.ok()) << status.error_message();
}

TEST_F(ClusterTest, TweetViaOneServerIsInTheAuthorsTimelineViaTheOtherAtOnce) {
  const Account ann = NewAccount(Server(1));
  std::unique_ptr<Stub> server1 = StubFor(Server(1));
  std::unique_ptr<Stub> server2 = StubFor(Server(2));
  for (int i = 0; i < 20; ++i) {
    uint64_t id = 0;
    const std::string text = absl::StrCat("read your writes ", i);
    ASSERT_TRUE(Tweet(*server1, ann.token, text, &id).ok());
    miniter::v1::TimelineResponse timeline;
    ASSERT_TRUE(Timeline(*server2, ann.token, &timeline).ok());
    ASSERT_GT(timeline.tweets_size(), 0) << "iteration " << i;
    EXPECT_EQ(timeline.tweets(0).id(), id) << "iteration " << i;
    EXPECT_EQ(timeline.tweets(0).text(), text);
  }
}

TEST_F(ClusterTest, BalancerSpreadsCallsOverBothServers) {
  const Account ann = NewAccount(Balancer());
  ASSERT_FALSE(ann.token.empty());
  std::unique_ptr<Stub> balancer = StubFor(Balancer());
  const std::string log_path = absl::StrCat(state_dir_, "/haproxy.log");
  const auto count = [&](const std::string& needle) {
    std::ifstream log(log_path);
    std::string line;
    int n = 0;
    while (std::getline(log, line)) {
      if (line.find(needle) != std::string::npos &&
          line.find("/miniter.v1.Miniter/Timeline") != std::string::npos) {
        ++n;
      }
    }
    return n;
  };
  const int s1_before = count("miniter/s1"), s2_before = count("miniter/s2");
  for (int i = 0; i < 20; ++i) {
    miniter::v1::TimelineResponse timeline;
    grpc::Status status = Timeline(*balancer, ann.token, &timeline);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }
  // HAProxy writes its log line when a call ends, a moment after the reply.
  EXPECT_TRUE(WaitFor(
      [&] {
        return count("miniter/s1") - s1_before >= 5 &&
               count("miniter/s2") - s2_before >= 5;
      },
      absl::Seconds(5)))
      << "Timeline calls logged: s1 " << count("miniter/s1") - s1_before
      << ", s2 " << count("miniter/s2") - s2_before;
}

TEST_F(ClusterTest, KilledServerCostsOnlyItsInFlightCalls) {
  const Account ann = NewAccount(Balancer());
  constexpr int kThreads = 6;
  std::unique_ptr<Stub> balancer = StubFor(Balancer());
  Load load(kThreads, [&](int, int) {
    miniter::v1::TimelineResponse timeline;
    return Timeline(*balancer, ann.token, &timeline);
  });
  absl::SleepFor(absl::Seconds(1));
  const CommandResult kill = Shell(Cli("server-kill 2"));
  ASSERT_EQ(kill.exit_code, 0) << kill.output;
  const absl::Time killed = absl::Now();
  absl::SleepFor(absl::Seconds(3));
  load.Stop();
  const std::vector<Load::Failure> failures = load.failures();
  // Each thread had at most one call in flight when the server died.
  EXPECT_LE(failures.size(), static_cast<size_t>(kThreads))
      << Load::Describe(failures);
  // `killed` is when cluster.sh saw the process gone; HAProxy learns of
  // the closed connection a moment later (a busy 2-core machine), and a
  // call it forwarded in that moment was in flight to the dead server.
  for (const Load::Failure& failure : failures) {
    EXPECT_LT(failure.started, killed + absl::Milliseconds(500))
        << "a call started well after the kill failed: " << failure.message;
  }
  EXPECT_GT(load.ok(), 50);
  EXPECT_TRUE(
      WaitFor([] { return BalancerSees("s2 DOWN"); }, absl::Seconds(5)));

  const CommandResult restart = Shell(Cli("server-start 2"));
  ASSERT_EQ(restart.exit_code, 0) << restart.output;
  EXPECT_TRUE(WaitFor([] { return BalancerSees("s2 UP"); }, absl::Seconds(10)));
}

TEST_F(ClusterTest, DrainingServerGetsNoNewCalls) {
  const Account ann = NewAccount(Balancer());
  std::unique_ptr<Stub> balancer = StubFor(Balancer());
  Load load(6, [&](int, int) {
    miniter::v1::TimelineResponse timeline;
    return Timeline(*balancer, ann.token, &timeline);
  });
  absl::SleepFor(absl::Seconds(1));
  // SIGTERM: the server reports NOT_SERVING, finishes its in-flight calls
  // and exits; cluster.sh waits for the exit.
  const CommandResult drain = Shell(Cli("server-stop 1"));
  ASSERT_EQ(drain.exit_code, 0) << drain.output;
  absl::SleepFor(absl::Seconds(1));
  load.Stop();
  const std::vector<Load::Failure> failures = load.failures();
  EXPECT_TRUE(failures.empty()) << Load::Describe(failures);
  EXPECT_GT(load.ok(), 50);

  const CommandResult restart = Shell(Cli("server-start 1"));
  ASSERT_EQ(restart.exit_code, 0) << restart.output;
  EXPECT_TRUE(WaitFor([] { return BalancerSees("s1 UP"); }, absl::Seconds(10)));
}

TEST_F(ClusterTest, StoppedReplicaCostsNoCallsAndCatchesUp) {
  const Account ann = NewAccount(Balancer());
  const Account bob = NewAccount(Balancer());
  std::unique_ptr<Stub> balancer = StubFor(Balancer());
  // Writes and reads of another user's timeline (the reads a replica may
  // serve) run through the whole outage.
  Load load(4, [&](int thread, int iteration) {
    if (thread == 0) {
      return Tweet(*balancer, ann.token,
                   absl::StrCat("while the replica is away ", iteration));
    }
    miniter::v1::TimelineResponse timeline;
    return Timeline(*balancer, bob.token, &timeline, ann.id);
  });
  absl::SleepFor(absl::Seconds(1));
  const CommandResult stop = Shell(Cli("db-stop replica"));
  ASSERT_EQ(stop.exit_code, 0) << stop.output;
  absl::SleepFor(absl::Seconds(3));
  const CommandResult start = Shell(Cli("db-start replica"));
  ASSERT_EQ(start.exit_code, 0) << start.output;
  absl::SleepFor(absl::Seconds(1));
  load.Stop();
  const std::vector<Load::Failure> failures = load.failures();
  EXPECT_TRUE(failures.empty()) << Load::Describe(failures);
  EXPECT_GT(load.ok(), 50);
  // Both servers noticed the outage (reads moved to the primary) and the
  // return (reads moved back), as their logs say.
  for (int n : {1, 2}) {
    EXPECT_TRUE(WaitFor(
        [&] {
          const std::string last = LastReplicaLogLine(n);
          return last.find("read from the replica") != std::string::npos;
        },
        absl::Seconds(15)))
        << "server " << n << ": " << LastReplicaLogLine(n);
    EXPECT_NE(ServerLog(n).find("replica unreachable"), std::string::npos)
        << "server " << n << " never routed around the stopped replica";
  }
  // Caught up: the replica holds every tweet the primary has.
  const std::set<uint64_t> on_primary = TweetIds("primary");
  EXPECT_TRUE(WaitFor([&] { return TweetIds("replica", true) == on_primary; },
                      absl::Seconds(60)))
      << "primary has " << on_primary.size() << " tweets, replica "
      << TweetIds("replica").size();
}

TEST_F(ClusterTest, ClientLibraryRoundRobinsOverSeveralAddresses) {
  const Account ann = NewAccount(Server(1));
  const std::multiset<int> before = ConnectedRemotePorts();
  client::ClientOptions options;
  options.access_token = ann.token;
  absl::StatusOr<client::MiniterClient> client = client::MiniterClient::Connect(
      absl::StrCat(Server(1), ",", Server(2)), options);
  ASSERT_TRUE(client.ok()) << client.status();
  for (int i = 0; i < 10; ++i) {
    miniter::v1::TimelineRequest request;
    EXPECT_TRUE(client->Timeline(request).ok());
  }
  // Round robin keeps a connection to every server (pick_first would
  // hold one).
  const std::multiset<int> ports = ConnectedRemotePorts();
  EXPECT_GT(ports.count(base_ + 11), before.count(base_ + 11));
  EXPECT_GT(ports.count(base_ + 12), before.count(base_ + 12));
  // Kill server 2: the client keeps working through server 1.
  const CommandResult kill = Shell(Cli("server-kill 2"));
  ASSERT_EQ(kill.exit_code, 0) << kill.output;
  for (int i = 0; i < 10; ++i) {
    miniter::v1::TimelineRequest request;
    absl::StatusOr<miniter::v1::TimelineResponse> response =
        client->Timeline(request);
    EXPECT_TRUE(response.ok()) << response.status();
  }
  const CommandResult restart = Shell(Cli("server-start 2"));
  ASSERT_EQ(restart.exit_code, 0) << restart.output;
  EXPECT_TRUE(WaitFor([] { return BalancerSees("s2 UP"); }, absl::Seconds(10)));
}

TEST(ClientAddressListTest, HostNamesInAListAreRefusedWithAHint) {
  absl::StatusOr<client::MiniterClient> client =
      client::MiniterClient::Connect("a.example:1,127.0.0.1:2");
  ASSERT_FALSE(client.ok());
  EXPECT_EQ(client.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(client.status().message()),
              ::testing::HasSubstr("dns:///"));
  EXPECT_TRUE(client::MiniterClient::Connect("127.0.0.1:1,127.0.0.1:2").ok());
  EXPECT_TRUE(client::MiniterClient::Connect("[::1]:1,[::1]:2").ok());
}

// Last: it changes which database is the primary.
TEST_F(ClusterTest, PrimaryFailureProcedureKeepsEveryAcknowledgedWrite) {
  std::vector<Account> authors;
  for (int i = 0; i < 3; ++i) authors.push_back(NewAccount(Balancer()));
  std::unique_ptr<Stub> balancer = StubFor(Balancer());
  std::mutex mutex;
  std::set<uint64_t> acknowledged;
  Load load(3, [&](int thread, int iteration) {
    uint64_t id = 0;
    grpc::Status status =
        Tweet(*balancer, authors[thread].token,
              absl::StrCat("before and after failover ", iteration), &id);
    if (status.ok()) {
      std::lock_guard<std::mutex> lock(mutex);
      acknowledged.insert(id);
    } else {
      absl::SleepFor(absl::Milliseconds(50));
    }
    return status;
  });
  absl::SleepFor(absl::Seconds(2));
  const CommandResult failover = Shell(Cli("failover"));
  ASSERT_EQ(failover.exit_code, 0) << failover.output;
  size_t acknowledged_at_failover_end;
  {
    std::lock_guard<std::mutex> lock(mutex);
    acknowledged_at_failover_end = acknowledged.size();
  }
  absl::SleepFor(absl::Seconds(2));
  load.Stop();
  // Writes are accepted again on the promoted replica.
  EXPECT_GT(acknowledged.size(), acknowledged_at_failover_end + 5);
  const std::set<uint64_t> stored = TweetIds("primary");
  EXPECT_THAT(stored, IsSupersetOf(acknowledged));
  EXPECT_THAT(Shell(Cli("status")).output, ::testing::HasSubstr("primary db2"));

  // The old primary's data was moved aside; rejoin clones a new replica
  // from the new primary, which then holds everything.
  const CommandResult rejoin = Shell(Cli("rejoin"));
  ASSERT_EQ(rejoin.exit_code, 0) << rejoin.output;
  // It replays the whole history (a few thousand durable transactions),
  // which takes tens of seconds on a busy 2-core machine.
  EXPECT_TRUE(WaitFor([&] { return TweetIds("replica", true) == stored; },
                      absl::Seconds(90)));
}

}  // namespace
}  // namespace miniter::testing
