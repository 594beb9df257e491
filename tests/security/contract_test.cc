// contract_test.cc: bad input against every RPC, table-driven, through raw
// gRPC frames as well as the generated stub: empty, huge, wrong-typed,
// undecodable, over the 64 KiB receive limit, SQL metacharacters (stored and
// returned verbatim), control characters and oversized metadata. Each case
// names the exact status it must get; none may be UNKNOWN, and INTERNAL is
// never the answer to a client's mistake. After every case the server must
// still answer.
#include <chrono>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/security/security_support.h"

namespace miniter::testing {
namespace {

using v1::Miniter;

struct Case {
  std::string name;
  std::string rpc;            // "SignUp", ...
  std::string request_bytes;  // the whole request message, as sent
  bool with_token = false;    // send the test user's bearer token
  std::vector<std::pair<std::string, std::string>> metadata;
  grpc::StatusCode expected;
};

template <typename Message>
std::string Bytes(const Message& message) {
  return message.SerializeAsString();
}

// A length-delimited field `number` holding `payload`, built by hand so it
// can carry what a generated stub refuses to (invalid UTF-8, wrong types).
std::string LengthDelimited(int number, const std::string& payload) {
  std::string out;
  auto varint = [&out](uint64_t v) {
    while (v >= 0x80) {
      out.push_back(static_cast<char>((v & 0x7F) | 0x80));
      v >>= 7;
    }
    out.push_back(static_cast<char>(v));
  };
  varint((static_cast<uint64_t>(number) << 3) | 2);
  varint(payload.size());
  out += payload;
  return out;
}

std::string Varint(int number, uint64_t value) {
  std::string out;
  uint64_t key = (static_cast<uint64_t>(number) << 3) | 0;
  for (uint64_t v : {key, value}) {
    while (v >= 0x80) {
      out.push_back(static_cast<char>((v & 0x7F) | 0x80));
      v >>= 7;
    }
    out.push_back(static_cast<char>(v));
  }
  return out;
}

const std::vector<std::string> kRpcs = {
    "SignUp",     "Login",    "Tweet",         "Follow",
    "Unfollow",   "Timeline", "ListFollowing", "ListFollowers",
    "UserTweets", "GetUser",  "SearchUsers"};
constexpr std::size_t kHugeButValid = 60 * 1024;  // under the 64 KiB limit
constexpr std::size_t kOverLimit = 70 * 1024;     // over it

class ContractTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = StartServer().release();
    ASSERT_NE(server_, nullptr);
    auto stub = StubForPort(server_->port());
    user_ = new TestUser(SignUpAndLogin(*stub, "contract"));
  }
  static void TearDownTestSuite() {
    delete user_;
    delete server_;
  }

  void SetUp() override {
    channel_ = PermissiveChannel(server_->port());
    stub_ = Miniter::NewStub(channel_);
  }

  grpc::Status Run(const Case& c) {
    std::vector<std::pair<std::string, std::string>> metadata = c.metadata;
    if (c.with_token) {
      metadata.emplace_back("authorization", "Bearer " + user_->token);
    }
    return RawUnaryCall(channel_, MethodPath(c.rpc), c.request_bytes, metadata);
  }

  void RunAll(const std::vector<Case>& cases) {
    for (const Case& c : cases) {
      SCOPED_TRACE(c.name);
      grpc::Status status = Run(c);
      EXPECT_EQ(status.error_code(), c.expected) << Describe(status);
      EXPECT_NE(status.error_code(), grpc::StatusCode::UNKNOWN);
      EXPECT_NE(status.error_code(), grpc::StatusCode::INTERNAL);
      ExpectServerAnswers();
    }
  }

  // On the same channel; wait_for_ready lets it reconnect when the case
  // made gRPC close the connection (oversized metadata does).
  void ExpectServerAnswers() {
    v1::TimelineRequest request;
    request.set_page_size(1);
    v1::TimelineResponse response;
    grpc::Status status;
    // A call already on the wire when gRPC closes the connection fails
    // with UNAVAILABLE; the next attempt reconnects.
    for (int attempt = 0; attempt < 3; ++attempt) {
      std::unique_ptr<grpc::ClientContext> context = Context(user_->token);
      context->set_wait_for_ready(true);
      status = stub_->Timeline(context.get(), request, &response);
      if (status.error_code() != grpc::StatusCode::UNAVAILABLE) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    EXPECT_TRUE(status.ok())
        << "server stopped answering: " << Describe(status);
  }

  static app::MiniterServer* server_;
  static TestUser* user_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<Miniter::Stub> stub_;
};

app::MiniterServer* ContractTest::server_ = nullptr;
TestUser* ContractTest::user_ = nullptr;

using grpc::StatusCode;

TEST_F(ContractTest, EmptyRequests) {
  // One case a line reads as a table; clang-format would split each field.
  // clang-format off
  RunAll({
      {"SignUp {}", "SignUp", "", false, {}, StatusCode::INVALID_ARGUMENT},
      {"Login {}", "Login", "", false, {}, StatusCode::INVALID_ARGUMENT},
      {"Tweet {} no token", "Tweet", "", false, {},
       StatusCode::UNAUTHENTICATED},
      {"Tweet {}", "Tweet", "", true, {}, StatusCode::INVALID_ARGUMENT},
      {"Follow {}", "Follow", "", true, {}, StatusCode::INVALID_ARGUMENT},
      {"Unfollow {}", "Unfollow", "", true, {}, StatusCode::INVALID_ARGUMENT},
      {"Timeline {} (own, default size)", "Timeline", "", true, {},
       StatusCode::OK},
      {"Timeline {} no token", "Timeline", "", false, {},
       StatusCode::UNAUTHENTICATED},
  });
  // clang-format on
}

TEST_F(ContractTest, WatchTimelineBadResumeCursors) {
  // Every case ends the stream before its first event, so a unary call
  // reads the status.
  v1::WatchTimelineRequest garbage;
  garbage.set_resume_cursor("' OR 1=1 --");
  v1::WatchTimelineRequest huge;
  huge.set_resume_cursor(std::string(kHugeButValid, 'A'));
  v1::TimelineRequest page_token_request;
  v1::WatchTimelineRequest page_token;
  // A Timeline page token is not a watch cursor, even of this deployment.
  {
    auto stub = StubForPort(server_->port());
    page_token_request.set_page_size(1);
    v1::TimelineResponse response;
    stub->Timeline(Context(user_->token).get(), page_token_request, &response);
    page_token.set_resume_cursor(response.next_page_token().empty()
                                     ? std::string("AwAAAAAAAAAAAAAA")
                                     : response.next_page_token());
  }
  // clang-format off
  RunAll({
      {"WatchTimeline garbage cursor", "WatchTimeline", Bytes(garbage), true,
       {}, StatusCode::INVALID_ARGUMENT},
      {"WatchTimeline huge cursor", "WatchTimeline", Bytes(huge), true, {},
       StatusCode::INVALID_ARGUMENT},
      {"WatchTimeline page token as cursor", "WatchTimeline",
       Bytes(page_token), true, {}, StatusCode::INVALID_ARGUMENT},
      {"WatchTimeline invalid UTF-8 cursor", "WatchTimeline",
       LengthDelimited(1, "\xff\xfe"), true, {},
       StatusCode::INVALID_ARGUMENT},
      {"WatchTimeline no token", "WatchTimeline", Bytes(garbage), false, {},
       StatusCode::UNAUTHENTICATED},
  });
  // clang-format on
}

TEST_F(ContractTest, HugeFieldsUnderTheReceiveLimit) {
  const std::string huge(kHugeButValid, 'x');
  v1::SignUpRequest sign_up;
  sign_up.set_name("ok");
  sign_up.set_email(UniqueEmail("huge"));
  sign_up.set_password("correct horse battery");
  v1::SignUpRequest huge_name = sign_up;
  huge_name.set_name(huge);
  v1::SignUpRequest huge_profile = sign_up;
  huge_profile.set_profile(huge);
  v1::SignUpRequest huge_password = sign_up;
  huge_password.set_password(huge);
  v1::SignUpRequest huge_email = sign_up;
  huge_email.set_email(huge + "@example.com");
  v1::LoginRequest login;
  login.set_email(huge);
  login.set_password("correct horse battery");
  v1::LoginRequest login_password;
  login_password.set_email(user_->email);
  login_password.set_password(huge);
  v1::TweetRequest tweet;
  tweet.set_text(huge);
  v1::TweetRequest request_id;
  request_id.set_text("fine");
  request_id.set_request_id(huge);
  v1::TimelineRequest page_token;
  page_token.set_page_token(huge);
  // One case a line reads as a table; clang-format would split each field.
  // clang-format off
  RunAll({
      {"SignUp huge name", "SignUp", Bytes(huge_name), false, {},
       StatusCode::INVALID_ARGUMENT},
      {"SignUp huge profile", "SignUp", Bytes(huge_profile), false, {},
       StatusCode::INVALID_ARGUMENT},
      {"SignUp huge password", "SignUp", Bytes(huge_password), false, {},
       StatusCode::INVALID_ARGUMENT},
      {"SignUp huge email", "SignUp", Bytes(huge_email), false, {},
       StatusCode::INVALID_ARGUMENT},
      {"Login huge email", "Login", Bytes(login), false, {},
       StatusCode::UNAUTHENTICATED},
      {"Login huge password", "Login", Bytes(login_password), false, {},
       StatusCode::UNAUTHENTICATED},
      {"Tweet huge text", "Tweet", Bytes(tweet), true, {},
       StatusCode::INVALID_ARGUMENT},
      {"Tweet huge request_id", "Tweet", Bytes(request_id), true, {},
       StatusCode::INVALID_ARGUMENT},
      {"Timeline huge page_token", "Timeline", Bytes(page_token), true, {},
       StatusCode::INVALID_ARGUMENT},
      {"Timeline huge authorization", "Timeline", "", false,
       {{"authorization", "Bearer " + std::string(6000, 'a')}},
       StatusCode::UNAUTHENTICATED},
  });
  // clang-format on
}

TEST_F(ContractTest, OverTheReceiveLimitIsResourceExhaustedOnEveryRpc) {
  // An unknown field: the size check runs before any parsing.
  const std::string oversized =
      LengthDelimited(15, std::string(kOverLimit, 'x'));
  std::vector<Case> cases;
  for (const std::string& rpc : kRpcs) {
    cases.push_back({rpc + " 70 KiB",
                     rpc,
                     oversized,
                     true,
                     {},
                     StatusCode::RESOURCE_EXHAUSTED});
  }
  RunAll(cases);
}

TEST_F(ContractTest, WrongTypedFieldsAndOtherMessagesBytes) {
  v1::TimelineRequest timeline;
  timeline.set_user_id(5);
  timeline.set_page_size(3);
  v1::LoginRequest login;
  login.set_email("ann@example.com");
  login.set_password("correct horse battery");
  v1::SignUpRequest sign_up;
  sign_up.set_name("Ann");
  sign_up.set_email("ann@example.com");
  sign_up.set_password("correct horse battery");
  // Protobuf keeps a field whose wire type does not match as an unknown
  // field, so the typed field reads as absent: the RPC's own validation
  // answers.
  // One case a line reads as a table; clang-format would split each field.
  // clang-format off
  RunAll({
      {"SignUp <- TimelineRequest bytes", "SignUp", Bytes(timeline), false, {},
       StatusCode::INVALID_ARGUMENT},
      {"Login <- TimelineRequest bytes", "Login", Bytes(timeline), false, {},
       StatusCode::INVALID_ARGUMENT},
      {"Follow <- LoginRequest bytes", "Follow", Bytes(login), true, {},
       StatusCode::INVALID_ARGUMENT},
      {"Unfollow <- LoginRequest bytes", "Unfollow", Bytes(login), true, {},
       StatusCode::INVALID_ARGUMENT},
      {"Tweet <- TimelineRequest bytes", "Tweet", Bytes(timeline), true, {},
       StatusCode::INVALID_ARGUMENT},
      {"Timeline <- SignUpRequest bytes (password as page_token)", "Timeline",
       Bytes(sign_up), true, {}, StatusCode::INVALID_ARGUMENT},
      {"Follow user_id as a string", "Follow", LengthDelimited(1, "12"), true,
       {}, StatusCode::INVALID_ARGUMENT},
      {"Tweet text as a varint", "Tweet", Varint(1, 42), true, {},
       StatusCode::INVALID_ARGUMENT},
      {"Timeline page_size as a huge varint (int32 truncation)", "Timeline",
       Varint(2, 0xFFFFFFFFFFull), true, {}, StatusCode::INVALID_ARGUMENT},
  });
  // clang-format on
}

TEST_F(ContractTest, UndecodableFramesAreInvalidArgument) {
  // One case a line reads as a table; clang-format would split each field.
  // clang-format off
  RunAll({
      {"Tweet text invalid UTF-8", "Tweet", LengthDelimited(1, "ab\xFF\xFE"),
       true, {}, StatusCode::INVALID_ARGUMENT},
      {"SignUp name invalid UTF-8", "SignUp",
       LengthDelimited(1, "\xC3\x28"), false, {},
       StatusCode::INVALID_ARGUMENT},
      {"Login email invalid UTF-8", "Login", LengthDelimited(1, "\xED\xA0\x80"),
       false, {}, StatusCode::INVALID_ARGUMENT},
      {"Tweet request_id invalid UTF-8", "Tweet",
       LengthDelimited(1, "hi") + LengthDelimited(2, "\xFF"), true, {},
       StatusCode::INVALID_ARGUMENT},
      {"truncated length", "Tweet", std::string("\x0A\x10" "abc", 5), true, {},
       StatusCode::INVALID_ARGUMENT},
      {"garbage bytes", "SignUp", std::string("\xFF\xFF\xFF\xFF", 4), false,
       {}, StatusCode::INVALID_ARGUMENT},
      {"field number 0", "Follow", std::string("\x00\x01", 2), true, {},
       StatusCode::INVALID_ARGUMENT},
  });
  // clang-format on
}

TEST_F(ContractTest, ControlCharacters) {
  auto tweet = [](const std::string& text) {
    v1::TweetRequest request;
    request.set_text(text);
    return Bytes(request);
  };
  v1::SignUpRequest escape_name;
  escape_name.set_name("evil\x1B[31m");
  escape_name.set_email(UniqueEmail("ctl"));
  escape_name.set_password("correct horse battery");
  v1::LoginRequest crlf;
  crlf.set_email("ann@example.com\r\nx-injected: 1");
  crlf.set_password("correct horse battery");
  // One case a line reads as a table; clang-format would split each field.
  // clang-format off
  RunAll({
      {"Tweet with U+0001", "Tweet", tweet("a\x01" "b"), true, {},
       StatusCode::INVALID_ARGUMENT},
      {"Tweet with NUL", "Tweet", tweet(std::string("a\0b", 3)), true, {},
       StatusCode::INVALID_ARGUMENT},
      {"Tweet with U+0085 (C1)", "Tweet", tweet("a\xC2\x85" "b"), true, {},
       StatusCode::INVALID_ARGUMENT},
      {"Tweet with tab and newline (allowed)", "Tweet",
       tweet("line one\n\tline two"), true, {}, StatusCode::OK},
      {"SignUp name with ESC", "SignUp", Bytes(escape_name), false, {},
       StatusCode::INVALID_ARGUMENT},
      {"Login e-mail with CR LF", "Login", Bytes(crlf), false, {},
       StatusCode::UNAUTHENTICATED},
  });
  // clang-format on
}

TEST_F(ContractTest, SqlMetacharactersAreStoredAndReturnedVerbatim) {
  const std::string nasty =
      "Robert'); DROP TABLE users;-- \" ` \\ % _ \\' /* */ ; SELECT 1 #";
  v1::SignUpRequest sign_up;
  sign_up.set_name(nasty);
  sign_up.set_email(UniqueEmail("o'brien;--%_"));
  sign_up.set_password("p' OR '1'='1");
  sign_up.set_profile(nasty);
  v1::SignUpResponse created;
  grpc::Status status = stub_->SignUp(Context().get(), sign_up, &created);
  ASSERT_TRUE(status.ok()) << Describe(status) << " for " << sign_up.email();
  EXPECT_EQ(created.user().name(), nasty);
  EXPECT_EQ(created.user().profile(), nasty);
  EXPECT_EQ(created.user().email(), sign_up.email());

  v1::LoginRequest login;
  login.set_email(sign_up.email());
  login.set_password(sign_up.password());
  v1::LoginResponse token;
  status = stub_->Login(Context().get(), login, &token);
  ASSERT_TRUE(status.ok()) << Describe(status);
  // The classic injection as a password logs nobody in.
  login.set_password("' OR '1'='1' -- ");
  v1::LoginResponse ignored;
  EXPECT_EQ(stub_->Login(Context().get(), login, &ignored).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  login.set_email("' OR 1=1 -- @example.com");
  EXPECT_EQ(stub_->Login(Context().get(), login, &ignored).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);

  v1::TweetRequest tweet;
  tweet.set_text(nasty);
  tweet.set_request_id("');DELETE/**/FROM/**/tweets;--");
  v1::TweetResponse posted;
  status = stub_->Tweet(Context(token.access_token()).get(), tweet, &posted);
  ASSERT_TRUE(status.ok()) << Describe(status);
  EXPECT_EQ(posted.tweet().text(), nasty);
  EXPECT_EQ(posted.tweet().author_name(), nasty);

  v1::TimelineRequest read;
  read.set_user_id(created.user().id());
  v1::TimelineResponse timeline;
  status = stub_->Timeline(Context(user_->token).get(), read, &timeline);
  ASSERT_TRUE(status.ok()) << Describe(status);
  ASSERT_EQ(timeline.tweets_size(), 1);
  EXPECT_EQ(timeline.tweets(0).text(), nasty);
  EXPECT_EQ(timeline.tweets(0).author_name(), nasty);

  read.set_page_token("' OR 1=1 --");
  EXPECT_EQ(stub_->Timeline(Context(user_->token).get(), read, &timeline)
                .error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(ContractTest, OversizedMetadataIsRefusedAndTheServerStaysUp) {
  // gRPC 1.51 refuses header blocks over its metadata limit (8 KiB soft,
  // 16 KiB hard by default) in the transport, before miniter sees the call:
  // the call gets RESOURCE_EXHAUSTED and the HTTP/2 connection is closed
  // (other calls on it see UNAVAILABLE "Socket closed" and the channel
  // reconnects). What matters here: a refusal a client can act on, never
  // UNKNOWN or INTERNAL, and the server keeps serving.
  for (std::size_t size : {20u * 1024, 200u * 1024}) {
    SCOPED_TRACE(absl::StrCat(size, " bytes of metadata"));
    grpc::Status status =
        RawUnaryCall(channel_, MethodPath("Timeline"), "",
                     {{"authorization", "Bearer " + user_->token},
                      {"x-padding", std::string(size, 'p')}});
    EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED)
        << Describe(status);
    ExpectServerAnswers();
  }
}

// ListFollowing, ListFollowers and UserTweets share their request layout
// (user_id = 1, page_size = 2, page_token = 3), so every bad value of each
// field is sent to each of the three.
TEST_F(ContractTest, PagedListsBadInputOnEveryField) {
  // Real next_page_tokens of each RPC, to send to the others and for other
  // users: a page of one user, with a second user following and followed.
  auto stub = StubForPort(server_->port());
  TestUser other = SignUpAndLogin(*stub, "contract lists");
  TestUser third = SignUpAndLogin(*stub, "contract lists 2");
  for (const TestUser* follower : {&other, &third}) {
    v1::FollowRequest follow;
    follow.set_user_id(user_->id);
    v1::FollowResponse followed;
    ASSERT_TRUE(
        stub->Follow(Context(follower->token).get(), follow, &followed).ok());
    follow.set_user_id(follower == &other ? third.id : other.id);
    ASSERT_TRUE(
        stub->Follow(Context(follower->token).get(), follow, &followed).ok());
  }
  for (int i = 0; i < 2; ++i) {
    v1::TweetRequest tweet;
    tweet.set_text("contract list tweet");
    v1::TweetResponse posted;
    ASSERT_TRUE(stub->Tweet(Context(user_->token).get(), tweet, &posted).ok());
  }
  auto token_of = [&](const std::string& rpc, std::uint64_t user_id) {
    v1::UserTweetsRequest request;  // the shared layout
    request.set_user_id(user_id);
    request.set_page_size(1);
    std::string reply;
    grpc::Status status =
        RawUnaryCall(channel_, MethodPath(rpc), Bytes(request),
                     {{"authorization", "Bearer " + user_->token}}, &reply);
    EXPECT_TRUE(status.ok()) << rpc << ": " << Describe(status);
    v1::UserTweetsResponse tweets;  // field 2 is next_page_token in all three
    v1::ListFollowersResponse users;
    if (rpc == "UserTweets") {
      EXPECT_TRUE(tweets.ParseFromString(reply));
      return tweets.next_page_token();
    }
    EXPECT_TRUE(users.ParseFromString(reply));
    return users.next_page_token();
  };
  const std::vector<std::string> rpcs = {"ListFollowing", "ListFollowers",
                                         "UserTweets"};
  std::vector<std::pair<std::string, std::string>> tokens;  // rpc, token
  tokens.emplace_back("ListFollowers", token_of("ListFollowers", user_->id));
  tokens.emplace_back("ListFollowing", token_of("ListFollowing", other.id));
  tokens.emplace_back("UserTweets", token_of("UserTweets", user_->id));
  v1::TimelineRequest timeline_request;
  timeline_request.set_page_size(1);
  v1::TimelineResponse timeline;
  ASSERT_TRUE(
      stub->Timeline(Context(user_->token).get(), timeline_request, &timeline)
          .ok());
  tokens.emplace_back("Timeline", timeline.next_page_token());
  for (const auto& [rpc, token] : tokens) {
    ASSERT_FALSE(token.empty()) << rpc;
  }

  auto request = [](std::uint64_t user_id, std::int32_t page_size,
                    const std::string& page_token) {
    v1::UserTweetsRequest message;
    message.set_user_id(user_id);
    message.set_page_size(page_size);
    message.set_page_token(page_token);
    return Bytes(message);
  };
  const std::uint64_t unknown = 18446744073709551615ull;
  std::vector<Case> cases;
  for (const std::string& rpc : rpcs) {
    auto add = [&](const std::string& name, std::string bytes, bool token,
                   StatusCode expected) {
      cases.push_back(
          {rpc + " " + name, rpc, std::move(bytes), token, {}, expected});
    };
    add("{} (own, default size)", "", true, StatusCode::OK);
    add("{} no token", "", false, StatusCode::UNAUTHENTICATED);
    add("page_size 100", request(0, 100, ""), true, StatusCode::OK);
    add("page_size 101", request(0, 101, ""), true,
        StatusCode::INVALID_ARGUMENT);
    add("page_size -1", request(0, -1, ""), true, StatusCode::INVALID_ARGUMENT);
    add("page_size INT32_MIN", request(0, -2147483647 - 1, ""), true,
        StatusCode::INVALID_ARGUMENT);
    add("page_size as a huge varint (int32 truncation)",
        Varint(2, 0xFFFFFFFFFFull), true, StatusCode::INVALID_ARGUMENT);
    add("user_id unknown", request(unknown, 0, ""), true,
        StatusCode::NOT_FOUND);
    add("user_id as a string (ignored: own)", LengthDelimited(1, "12"), true,
        StatusCode::OK);
    add("page_token garbage", request(0, 0, "not-a-token"), true,
        StatusCode::INVALID_ARGUMENT);
    add("page_token SQL", request(0, 0, "' OR 1=1 --"), true,
        StatusCode::INVALID_ARGUMENT);
    add("page_token huge", request(0, 0, std::string(kHugeButValid, 'A')), true,
        StatusCode::INVALID_ARGUMENT);
    add("page_token invalid UTF-8", LengthDelimited(3, "\xFF\xFE"), true,
        StatusCode::INVALID_ARGUMENT);
    for (const auto& [token_rpc, token] : tokens) {
      if (token_rpc == rpc) {
        // Its own token, for the user it was made for, is fine; for
        // another user_id it is refused.
        const std::uint64_t owner =
            rpc == "ListFollowing" ? other.id : user_->id;
        add("own token", request(owner, 1, token), true, StatusCode::OK);
        add("own token for another user_id",
            request(owner == other.id ? third.id : other.id, 1, token), true,
            StatusCode::INVALID_ARGUMENT);
        continue;
      }
      add(token_rpc + "'s token", request(user_->id, 1, token), true,
          StatusCode::INVALID_ARGUMENT);
    }
  }
  RunAll(cases);
}

TEST_F(ContractTest, UnknownMethodIsUnimplemented) {
  grpc::Status status =
      RawUnaryCall(channel_, "/miniter.v1.Miniter/DropTables", "");
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNIMPLEMENTED)
      << Describe(status);
  ExpectServerAnswers();
}

TEST_F(ContractTest, GetUserAndSearchUsersBadInput) {
  // Users whose names start with a prefix no other test uses, so that a
  // search has a second page and its token can be tried elsewhere.
  const std::string prefix = "contract-" + UniqueEmail("s");
  auto stub = StubForPort(server_->port());
  SignUpAndLogin(*stub, prefix + " 1");
  SignUpAndLogin(*stub, prefix + " 2");
  v1::SearchUsersRequest first;
  first.set_query(prefix);
  first.set_page_size(1);
  v1::SearchUsersResponse page;
  grpc::Status status =
      stub_->SearchUsers(Context(user_->token).get(), first, &page);
  ASSERT_TRUE(status.ok()) << Describe(status);
  ASSERT_EQ(page.users_size(), 1);
  const std::string search_token = page.next_page_token();
  ASSERT_FALSE(search_token.empty());

  auto get_user = [](std::uint64_t id) {
    v1::GetUserRequest request;
    request.set_user_id(id);
    return Bytes(request);
  };
  auto search = [](const std::string& query, int page_size = 0,
                   const std::string& token = "") {
    v1::SearchUsersRequest request;
    request.set_query(query);
    request.set_page_size(page_size);
    request.set_page_token(token);
    return Bytes(request);
  };
  v1::TimelineRequest timeline_with_search_token;
  timeline_with_search_token.set_page_token(search_token);
  const std::string huge(kHugeButValid, 'x');
  // One case a line reads as a table; clang-format would split each field.
  // clang-format off
  RunAll({
      {"GetUser {} no token", "GetUser", "", false, {},
       StatusCode::UNAUTHENTICATED},
      {"GetUser {} (own)", "GetUser", "", true, {}, StatusCode::OK},
      {"GetUser unknown user_id", "GetUser", get_user(999999999999), true, {},
       StatusCode::NOT_FOUND},
      {"GetUser largest user_id", "GetUser", get_user(~0ull), true, {},
       StatusCode::NOT_FOUND},
      {"GetUser user_id as a string (absent: own)", "GetUser",
       LengthDelimited(1, "12"), true, {}, StatusCode::OK},
      {"SearchUsers {} no token", "SearchUsers", "", false, {},
       StatusCode::UNAUTHENTICATED},
      {"SearchUsers {} (empty query)", "SearchUsers", "", true, {},
       StatusCode::INVALID_ARGUMENT},
      {"SearchUsers blank query", "SearchUsers", search(" \t\u3000"), true,
       {}, StatusCode::INVALID_ARGUMENT},
      {"SearchUsers 256-character query", "SearchUsers",
       search(std::string(256, 'a')), true, {}, StatusCode::INVALID_ARGUMENT},
      {"SearchUsers 255-character query", "SearchUsers",
       search(std::string(255, 'a')), true, {}, StatusCode::OK},
      {"SearchUsers huge query", "SearchUsers", search(huge), true, {},
       StatusCode::INVALID_ARGUMENT},
      {"SearchUsers query invalid UTF-8", "SearchUsers",
       LengthDelimited(1, "ab\xFF"), true, {}, StatusCode::INVALID_ARGUMENT},
      {"SearchUsers query with NUL", "SearchUsers",
       search(std::string("a\0b", 3)), true, {}, StatusCode::OK},
      {"SearchUsers SQL in the query", "SearchUsers",
       search("'); DROP TABLE users;-- \" ` \\ /* */"), true, {},
       StatusCode::OK},
      {"SearchUsers query %", "SearchUsers", search("%"), true, {},
       StatusCode::OK},
      {"SearchUsers query _", "SearchUsers", search("_"), true, {},
       StatusCode::OK},
      {"SearchUsers page_size -1", "SearchUsers", search("a", -1), true, {},
       StatusCode::INVALID_ARGUMENT},
      {"SearchUsers page_size 101", "SearchUsers", search("a", 101), true, {},
       StatusCode::INVALID_ARGUMENT},
      {"SearchUsers page_size 100", "SearchUsers", search("a", 100), true, {},
       StatusCode::OK},
      {"SearchUsers page_size as a huge varint (int32 truncation)",
       "SearchUsers", LengthDelimited(1, "a") + Varint(2, 0xFFFFFFFFFFull),
       true, {}, StatusCode::INVALID_ARGUMENT},
      {"SearchUsers garbage page_token", "SearchUsers",
       search("a", 0, "garbage"), true, {}, StatusCode::INVALID_ARGUMENT},
      {"SearchUsers huge page_token", "SearchUsers", search("a", 0, huge),
       true, {}, StatusCode::INVALID_ARGUMENT},
      {"SearchUsers page_token of another query", "SearchUsers",
       search(prefix + " ", 1, search_token), true, {},
       StatusCode::INVALID_ARGUMENT},
      {"SearchUsers page_token of this query", "SearchUsers",
       search(prefix, 1, search_token), true, {}, StatusCode::OK},
      {"Timeline with a SearchUsers page_token", "Timeline",
       Bytes(timeline_with_search_token), true, {},
       StatusCode::INVALID_ARGUMENT},
  });
  // clang-format on
}

}  // namespace
}  // namespace miniter::testing
