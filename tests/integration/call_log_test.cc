// call_log_test.cc: the real miniter-server binary's stderr is JSON lines:
// start-up lines and one line per call, with the method, code, latency,
// peer, user id, a Tweet's request_id and a valid traceparent's trace id;
// never a password, token, e-mail address or tweet text. --call_log and
// --call_log_sample (through their environment variables) choose which
// calls get a line; a bad value stops the server with a JSON error line.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/integration/server_process.h"
#include "tests/integration/test_environment.h"
#include "tests/support/log_capture.h"

namespace miniter::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

constexpr char kSampledTraceparent[] =
    "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
// Upper-case hex: malformed, so ignored.
constexpr char kMalformedTraceparent[] =
    "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01";

std::string LogPath(int port, absl::string_view what) {
  const std::string path = absl::StrCat(
      ::testing::TempDir(), "miniter-call-log-", what, "-", port, ".log");
  std::remove(path.c_str());
  return path;
}

// Every line of the log, each parsed; fails the test for a line that is not
// a JSON object with "time" (RFC 3339, UTC, ms), "level" and "msg".
std::vector<nlohmann::json> ParseLog(const std::string& log) {
  std::vector<nlohmann::json> lines;
  for (absl::string_view text : absl::StrSplit(log, '\n', absl::SkipEmpty())) {
    nlohmann::json line = nlohmann::json::parse(std::string(text), nullptr,
                                                /*allow_exceptions=*/false);
    EXPECT_TRUE(line.is_object()) << "not a JSON object: " << text;
    if (!line.is_object()) continue;
    EXPECT_TRUE(line.contains("time") && line["time"].is_string() &&
                common::IsLogTime(line["time"].get<std::string>()))
        << text;
    EXPECT_TRUE(line.contains("level") &&
                (line["level"] == "info" || line["level"] == "warn" ||
                 line["level"] == "error"))
        << text;
    EXPECT_TRUE(line.contains("msg") && line["msg"].is_string()) << text;
    lines.push_back(std::move(line));
  }
  return lines;
}

std::vector<nlohmann::json> CallLines(const std::vector<nlohmann::json>& all) {
  std::vector<nlohmann::json> calls;
  for (const nlohmann::json& line : all) {
    if (line.value("msg", "") == "call") calls.push_back(line);
  }
  return calls;
}

std::unique_ptr<grpc::ClientContext> TracedContext(
    const std::string& token, const std::string& traceparent) {
  std::unique_ptr<grpc::ClientContext> context = Context(token);
  context->AddMetadata("traceparent", traceparent);
  return context;
}

grpc::Status HealthCheck(int port, const std::string& traceparent) {
  auto health = grpc::health::v1::Health::NewStub(grpc::CreateChannel(
      absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials()));
  std::unique_ptr<grpc::ClientContext> context =
      traceparent.empty() ? Context() : TracedContext("", traceparent);
  grpc::health::v1::HealthCheckRequest request;
  grpc::health::v1::HealthCheckResponse response;
  return health->Check(context.get(), request, &response);
}

TEST(CallLogTest, EveryCallIsOneJsonLineWithItsIdsAndNoSecret) {
  const int port = FreePort();
  const std::string log_path = LogPath(port, "all");
  const std::string password = "Pw-calllog-canary-7d41 correct horse";
  const std::string wrong_password = "Pw-calllog-canary-0bad wrong horse";
  const std::string text = "Tweet-text-calllog-canary-91c3";
  const std::string email = UniqueEmail("calllog");
  const std::string request_id = absl::StrCat("calllog-req-", getpid());
  std::string token;
  std::uint64_t user_id = 0;
  {
    ServerProcess server(port, log_path);
    ASSERT_TRUE(server.WaitUntilServing()) << ReadTextFile(log_path);
    auto stub = StubForPort(port);

    v1::SignUpRequest sign_up;
    sign_up.set_name("Call Log");
    sign_up.set_email(email);
    sign_up.set_password(password);
    v1::SignUpResponse created;
    ASSERT_TRUE(stub->SignUp(Context().get(), sign_up, &created).ok());
    user_id = created.user().id();
    v1::LoginRequest login;
    login.set_email(email);
    login.set_password(password);
    v1::LoginResponse logged_in;
    ASSERT_TRUE(stub->Login(Context().get(), login, &logged_in).ok());
    token = logged_in.access_token();
    login.set_password(wrong_password);
    v1::LoginResponse refused;
    EXPECT_EQ(stub->Login(Context().get(), login, &refused).error_code(),
              grpc::StatusCode::UNAUTHENTICATED);

    v1::TweetRequest tweet;
    tweet.set_text(text);
    tweet.set_request_id(request_id);
    v1::TweetResponse posted;
    ASSERT_TRUE(stub->Tweet(TracedContext(token, kSampledTraceparent).get(),
                            tweet, &posted)
                    .ok());
    std::string forged = token;
    forged.back() = forged.back() == 'A' ? 'B' : 'A';
    tweet.clear_request_id();
    EXPECT_EQ(stub->Tweet(Context(forged).get(), tweet, &posted).error_code(),
              grpc::StatusCode::UNAUTHENTICATED);
    // Not UTF-8: the request does not decode; no handler sees it.
    tweet.set_text(text + " \xFF");
    EXPECT_EQ(stub->Tweet(Context(token).get(), tweet, &posted).error_code(),
              grpc::StatusCode::INVALID_ARGUMENT);

    v1::TimelineRequest timeline;
    v1::TimelineResponse page;
    ASSERT_TRUE(
        stub->Timeline(TracedContext(token, kMalformedTraceparent).get(),
                       timeline, &page)
            .ok());
    v1::FollowRequest follow;
    follow.set_user_id(999'999'999'999);
    v1::FollowResponse followed;
    EXPECT_EQ(
        stub->Follow(Context(token).get(), follow, &followed).error_code(),
        grpc::StatusCode::NOT_FOUND);
    ASSERT_TRUE(HealthCheck(port, "").ok());

    // Lines are written as calls end; after a clean stop every one is in.
    const int status = server.StopWith(SIGTERM, absl::Seconds(20));
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  }

  const std::string log = ReadTextFile(log_path);
  const std::vector<nlohmann::json> lines = ParseLog(log);
  bool announced = false;
  for (const nlohmann::json& line : lines) {
    announced |= absl::StartsWith(line.value("msg", ""),
                                  "serving miniter.v1.Miniter on");
  }
  EXPECT_TRUE(announced) << log;

  std::map<std::string, std::vector<nlohmann::json>> by_call;
  for (const nlohmann::json& line : CallLines(lines)) {
    EXPECT_THAT(line.value("peer", ""), StartsWith("ipv4:127.0.0.1:"))
        << line.dump();
    EXPECT_TRUE(line["latency_ms"].is_number() &&
                line["latency_ms"].get<double>() >= 0)
        << line.dump();
    EXPECT_FALSE(line.contains("message")) << line.dump();
    const std::string method = line.value("method", "");
    by_call[absl::StrCat(method.substr(method.rfind('/') + 1), " ",
                         line.value("code", ""))]
        .push_back(line);
  }
  std::map<std::string, std::size_t> counts;
  for (const auto& [call, found] : by_call) counts[call] = found.size();
  ASSERT_EQ(counts, (std::map<std::string, std::size_t>{
                        {"SignUp OK", 1},
                        {"Login OK", 1},
                        {"Login UNAUTHENTICATED", 1},
                        {"Tweet OK", 1},
                        {"Tweet UNAUTHENTICATED", 1},
                        {"Tweet INVALID_ARGUMENT", 1},
                        {"Timeline OK", 1},
                        {"Follow NOT_FOUND", 1},
                        {"Check OK", 1},
                    }))
      << log;

  EXPECT_EQ(by_call["SignUp OK"][0]["method"], "/miniter.v1.Miniter/SignUp");
  EXPECT_EQ(by_call["Check OK"][0]["method"], "/grpc.health.v1.Health/Check");
  for (const char* call : {"SignUp OK", "Login OK", "Tweet OK", "Timeline OK",
                           "Follow NOT_FOUND"}) {
    EXPECT_EQ(by_call[call][0].value("user_id", std::uint64_t{0}), user_id)
        << call;
  }
  for (const char* call : {"Login UNAUTHENTICATED", "Tweet UNAUTHENTICATED",
                           "Tweet INVALID_ARGUMENT", "Check OK"}) {
    EXPECT_FALSE(by_call[call][0].contains("user_id")) << call;
  }
  const nlohmann::json& tweet = by_call["Tweet OK"][0];
  EXPECT_EQ(tweet["level"], "info");
  EXPECT_EQ(tweet.value("request_id", ""), request_id);
  EXPECT_EQ(tweet.value("trace_id", ""), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(tweet.value("parent_id", ""), "00f067aa0ba902b7");
  EXPECT_FALSE(by_call["Timeline OK"][0].contains("trace_id"));
  EXPECT_EQ(by_call["Follow NOT_FOUND"][0]["level"], "warn");

  // Nothing secret or personal, anywhere in the log.
  EXPECT_THAT(log, Not(HasSubstr("canary")));
  EXPECT_THAT(log, Not(HasSubstr(email)));
  EXPECT_THAT(log, Not(HasSubstr(token)));
  EXPECT_THAT(log, Not(HasSubstr(token.substr(token.rfind('.') + 1))));
  EXPECT_THAT(log, Not(HasSubstr(kTestTokenSecret)));
  const std::string url = TestDatabaseUrl();
  const std::size_t colon = url.find(':', url.find("//") + 2);
  EXPECT_THAT(log,
              Not(HasSubstr(url.substr(colon + 1, url.find('@') - colon - 1))));
}

// Which calls each setting logs: an OK call, an OK call whose traceparent
// is sampled, and a refused call, against a server started with `settings`.
std::vector<nlohmann::json> CallLinesWith(
    const std::vector<std::pair<std::string, std::string>>& settings,
    absl::string_view what) {
  const int port = FreePort();
  const std::string log_path = LogPath(port, what);
  {
    ServerProcess server(port, log_path, settings);
    EXPECT_TRUE(server.WaitUntilServing()) << ReadTextFile(log_path);
    EXPECT_TRUE(HealthCheck(port, "").ok());
    EXPECT_TRUE(HealthCheck(port, kSampledTraceparent).ok());
    auto stub = StubForPort(port);
    v1::TweetRequest tweet;
    tweet.set_text("no token");
    v1::TweetResponse posted;
    EXPECT_EQ(stub->Tweet(Context().get(), tweet, &posted).error_code(),
              grpc::StatusCode::UNAUTHENTICATED);
    server.StopWith(SIGTERM, absl::Seconds(20));
  }
  return CallLines(ParseLog(ReadTextFile(log_path)));
}

std::vector<std::string> Described(const std::vector<nlohmann::json>& calls) {
  std::vector<std::string> described;
  for (const nlohmann::json& call : calls) {
    described.push_back(absl::StrCat(
        call["method"].get<std::string>(), " ", call["code"].get<std::string>(),
        call.contains("trace_id") ? " traced" : ""));
  }
  std::sort(described.begin(), described.end());
  return described;
}

TEST(CallLogTest, SettingsChooseWhichCallsAreLogged) {
  EXPECT_THAT(
      Described(CallLinesWith({{"MINITER_CALL_LOG", "errors"}}, "errors")),
      ::testing::ElementsAre("/miniter.v1.Miniter/Tweet UNAUTHENTICATED"));
  EXPECT_THAT(
      Described(CallLinesWith({{"MINITER_CALL_LOG_SAMPLE", "0"}}, "sampled")),
      ::testing::ElementsAre("/grpc.health.v1.Health/Check OK traced",
                             "/miniter.v1.Miniter/Tweet UNAUTHENTICATED"));
  EXPECT_THAT(CallLinesWith({{"MINITER_CALL_LOG", "off"}}, "off"),
              ::testing::IsEmpty());
}

TEST(CallLogTest, ABadSettingStopsTheServerWithAJsonErrorLine) {
  const int port = FreePort();
  const std::string log_path = LogPath(port, "bad");
  ServerProcess server(port, log_path, {{"MINITER_CALL_LOG", "loud"}});
  const int status = server.WaitForExit(absl::Seconds(30));
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 2) << status;
  const std::vector<nlohmann::json> lines = ParseLog(ReadTextFile(log_path));
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines.back()["level"], "error");
  EXPECT_THAT(lines.back().value("msg", ""),
              HasSubstr("call_log must be all, errors or off"));
}

}  // namespace
}  // namespace miniter::testing
