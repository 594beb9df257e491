// call_log_interceptor_test.cc: the call log through a real in-process gRPC
// server (the adapter over mocked storage): one line per call with method,
// code, peer and latency; the user id and request_id that only the
// handler knows; the trace id of a valid traceparent; the code the
// decoding interceptor rewrote; sampling; and no secret or tweet text.
#include "server/api/call_log_interceptor.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "server/api/call_notes.h"
#include "server/api/miniter_service.h"
#include "server/api/request_decoding_interceptor.h"
#include "server/storage/mocks/mock_stores.h"
#include "tests/unit/adapter_test_fixture.h"

namespace miniter::api {
namespace {

using ::testing::_;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::Return;
using ::testing::StartsWith;

constexpr char kTraceparent[] =
    "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
constexpr char kUnsampledTraceparent[] =
    "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00";

// The tweet store's answer to CreateTweet: the tweet as sent (a different
// text would make a repeated request_id ALREADY_EXISTS).
absl::StatusOr<storage::TweetRecord> StoredAsSent(storage::UserId author,
                                                  std::string_view text,
                                                  std::string_view) {
  return storage::TweetRecord{9, author, "Ann", std::string(text), absl::Now()};
}

// The lines a server wrote, collected from its threads.
class Lines {
 public:
  CallLogSink Sink() {
    return [this](std::string line) {
      absl::MutexLock lock(&mu_);
      lines_.push_back(std::move(line));
    };
  }
  // Waits (up to 5 s) for `count` lines, then returns all, in the order
  // written. A line is written once its call's reply has gone out, so just
  // after the client has it.
  std::vector<nlohmann::json> WaitFor(std::size_t count) {
    absl::MutexLock lock(&mu_);
    const auto written = [this, count]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
      return lines_.size() >= count;
    };
    mu_.AwaitWithTimeout(absl::Condition(&written), absl::Seconds(5));
    std::vector<nlohmann::json> parsed;
    for (const std::string& line : lines_) {
      EXPECT_EQ(line.find('\n'), std::string::npos) << line;
      parsed.push_back(nlohmann::json::parse(line));
    }
    return parsed;
  }
  std::size_t Count() {
    absl::MutexLock lock(&mu_);
    return lines_.size();
  }
  std::string Raw() {
    absl::MutexLock lock(&mu_);
    std::string all;
    for (const std::string& line : lines_) all += line + "\n";
    return all;
  }

 private:
  absl::Mutex mu_;
  std::vector<std::string> lines_ ABSL_GUARDED_BY(mu_);
};

class CallLogInterceptorTest : public AdapterTest {
 protected:
  void Start(CallLogPolicy policy) {
    Interceptors interceptors;
    interceptors.push_back(
        std::make_unique<RequestDecodingInterceptorFactory>());
    interceptors.push_back(
        std::make_unique<CallLogInterceptorFactory>(policy, lines_.Sink()));
    StartServer(std::move(interceptors));
  }

  std::string Token(storage::UserId user) {
    return "Bearer " + tokens_->Issue(user, absl::Now())->token;
  }

  // A Tweet as `user` (0: no token) with `traceparent` (empty: none).
  grpc::Status Tweet(storage::UserId user, const std::string& text,
                     const std::string& request_id,
                     const std::string& traceparent) {
    grpc::ClientContext context;
    if (user != 0) context.AddMetadata("authorization", Token(user));
    if (!traceparent.empty()) context.AddMetadata("traceparent", traceparent);
    miniter::v1::TweetRequest request;
    request.set_text(text);
    request.set_request_id(request_id);
    miniter::v1::TweetResponse response;
    return stub_->Tweet(&context, request, &response);
  }

  // Goes before the server object, but after TearDown shut the server
  // down, which ends every call and so writes every line.
  Lines lines_;
};

TEST_F(CallLogInterceptorTest, OneLinePerCallWithWhatTheHandlerKnew) {
  Start(CallLogPolicy{});
  EXPECT_CALL(*tweets_, CreateTweet(42, _, std::string_view("req-7")))
      .WillOnce(StoredAsSent);
  const grpc::Status status =
      Tweet(42, "Text-canary 0xC0FFEE", "req-7", kTraceparent);
  ASSERT_TRUE(status.ok()) << status.error_code() << " "
                           << status.error_message();
  const std::vector<nlohmann::json> lines = lines_.WaitFor(1);
  ASSERT_EQ(lines.size(), 1u);
  const nlohmann::json& line = lines[0];
  EXPECT_EQ(line["level"], "info");
  EXPECT_EQ(line["msg"], "call");
  EXPECT_EQ(line["method"], "/miniter.v1.Miniter/Tweet");
  EXPECT_EQ(line["code"], "OK");
  EXPECT_THAT(line["peer"].get<std::string>(), StartsWith("ipv4:127.0.0.1:"));
  EXPECT_GT(line["latency_ms"].get<double>(), 0.0);
  EXPECT_LT(line["latency_ms"].get<double>(), 5000.0);
  EXPECT_EQ(line["user_id"], 42);
  EXPECT_EQ(line["request_id"], "req-7");
  EXPECT_EQ(line["trace_id"], "0af7651916cd43dd8448eb211c80319c");
  EXPECT_EQ(line["parent_id"], "b7ad6b7169203331");
  EXPECT_THAT(lines_.Raw(), Not(HasSubstr("canary")));
}

TEST_F(CallLogInterceptorTest, SignUpAndLoginNameTheAccountButNoSecret) {
  Start(CallLogPolicy{});
  EXPECT_CALL(*users_, CreateUser(_))
      .WillOnce(Return(storage::UserRecord{7, "Ann", "ann.canary@example.com",
                                           "", absl::Now()}));
  grpc::ClientContext context;
  miniter::v1::SignUpRequest request;
  request.set_name("Ann");
  request.set_email("ann.canary@example.com");
  request.set_password("Pw-canary correct horse battery");
  miniter::v1::SignUpResponse response;
  ASSERT_TRUE(stub_->SignUp(&context, request, &response).ok());
  const std::vector<nlohmann::json> lines = lines_.WaitFor(1);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["method"], "/miniter.v1.Miniter/SignUp");
  EXPECT_EQ(lines[0]["user_id"], 7);
  EXPECT_THAT(lines_.Raw(), Not(HasSubstr("canary")));
}

TEST_F(CallLogInterceptorTest, FailedCallsHaveTheirCodeAndNoMessage) {
  Start(CallLogPolicy{});
  // No token: no user; a malformed traceparent is ignored; an invalid
  // request_id stays out.
  // Each call's line is awaited before the next call, so that the lines'
  // order is the calls'.
  EXPECT_EQ(Tweet(0, "hello", "",
                  "00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01")
                .error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  ASSERT_EQ(lines_.WaitFor(1).size(), 1u);
  EXPECT_EQ(Tweet(42, "hello", std::string(65, 'r'), "").error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  ASSERT_EQ(lines_.WaitFor(2).size(), 2u);
  // Not UTF-8: the request does not decode, no handler runs, and the
  // decoding interceptor's INVALID_ARGUMENT is what the line says.
  EXPECT_EQ(Tweet(42, "bad \xFF canary", "req-9", "").error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  std::vector<nlohmann::json> lines = lines_.WaitFor(3);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0]["code"], "UNAUTHENTICATED");
  EXPECT_EQ(lines[0]["level"], "warn");
  EXPECT_FALSE(lines[0].contains("user_id"));
  EXPECT_FALSE(lines[0].contains("trace_id"));
  EXPECT_EQ(lines[1]["code"], "INVALID_ARGUMENT");
  EXPECT_EQ(lines[1]["user_id"], 42);
  EXPECT_FALSE(lines[1].contains("request_id"));
  EXPECT_EQ(lines[2]["code"], "INVALID_ARGUMENT");
  EXPECT_EQ(lines[2]["method"], "/miniter.v1.Miniter/Tweet");
  EXPECT_FALSE(lines[2].contains("user_id"));
  for (const nlohmann::json& line : lines) {
    EXPECT_FALSE(line.contains("message")) << line.dump();
  }
  EXPECT_THAT(lines_.Raw(), Not(HasSubstr("canary")));
  EXPECT_THAT(lines_.Raw(), Not(HasSubstr("authorization")));
}

TEST_F(CallLogInterceptorTest, SampleZeroKeepsFailuresAndSampledTraces) {
  CallLogPolicy policy;
  policy.sample = 0.0;
  Start(policy);
  EXPECT_CALL(*tweets_, CreateTweet(42, _, _)).WillRepeatedly(StoredAsSent);
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(Tweet(42, "unlogged", "", "").ok());
    ASSERT_TRUE(Tweet(42, "unlogged", "", kUnsampledTraceparent).ok());
  }
  ASSERT_TRUE(Tweet(42, "traced", "req-traced", kTraceparent).ok());
  ASSERT_FALSE(Tweet(0, "refused", "req-refused", "").ok());
  server_->Shutdown();  // every call's line is written by now
  const std::vector<nlohmann::json> lines = lines_.WaitFor(2);
  ASSERT_EQ(lines.size(), 2u) << lines_.Raw();
  std::map<std::string, std::string> code_by_request;
  for (const nlohmann::json& line : lines) {
    code_by_request[line["request_id"]] = line["code"];
  }
  EXPECT_EQ(code_by_request,
            (std::map<std::string, std::string>{
                {"req-traced", "OK"}, {"req-refused", "UNAUTHENTICATED"}}));
}

TEST_F(CallLogInterceptorTest, ErrorsModeLogsOnlyFailures) {
  CallLogPolicy policy;
  policy.mode = CallLogPolicy::Mode::kErrors;
  Start(policy);
  EXPECT_CALL(*tweets_, CreateTweet(42, _, _)).WillRepeatedly(StoredAsSent);
  ASSERT_TRUE(Tweet(42, "fine", "req-ok", kTraceparent).ok());
  ASSERT_FALSE(Tweet(0, "refused", "req-refused", "").ok());
  server_->Shutdown();
  const std::vector<nlohmann::json> lines = lines_.WaitFor(1);
  ASSERT_EQ(lines.size(), 1u) << lines_.Raw();
  EXPECT_EQ(lines[0]["request_id"], "req-refused");
}

TEST(CallNotesTest, NotesReachOnlyTheAttachedCall) {
  grpc::ServerContext attached_context;
  grpc::ServerContext other_context;
  CallRecord record;
  CallNotes::NoteUser(attached_context, 1);  // nothing attached yet
  CallNotes::Attach(&attached_context, &record);
  CallNotes::NoteUser(other_context, 2);
  EXPECT_FALSE(record.user_id.has_value());
  CallNotes::NoteUser(attached_context, 3);
  CallNotes::NoteRequestId(attached_context, "r-1");
  EXPECT_EQ(record.user_id, 3u);
  EXPECT_EQ(record.request_id, "r-1");
  CallNotes::Detach(&record);
  CallNotes::NoteUser(attached_context, 4);
  EXPECT_EQ(record.user_id, 3u);
}

}  // namespace
}  // namespace miniter::api
