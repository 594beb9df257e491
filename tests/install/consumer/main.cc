// main.cc: the install test's consumer — signs up a fresh user, logs in,
// tweets and reads the timeline through the installed miniter::client,
// printing each result; exits non-zero on the first failure.
//
//   miniter_consumer HOST:PORT
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <iostream>
#include <string>

#include "miniter/client/miniter_client.h"

namespace {

int Fail(const char* what, const absl::Status& status) {
  std::cerr << "consumer: " << what << " failed: " << status << "\n";
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: miniter_consumer HOST:PORT\n";
    return 2;
  }
  using miniter::client::MiniterClient;

  absl::StatusOr<MiniterClient> client = MiniterClient::Connect(argv[1]);
  if (!client.ok()) return Fail("Connect", client.status());

  // A fresh e-mail each run: the test database outlives one run of this.
  const int64_t now_ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(
          std::chrono::system_clock::now().time_since_epoch())
          .count();
  const std::string email = "install-test-" + std::to_string(now_ns) + "-" +
                            std::to_string(getpid()) + "@example.com";
  const std::string password = "correct horse battery staple";

  miniter::v1::SignUpRequest signup;
  signup.set_name("Install Test");
  signup.set_email(email);
  signup.set_password(password);
  absl::StatusOr<miniter::v1::SignUpResponse> user = client->SignUp(signup);
  if (!user.ok()) return Fail("SignUp", user.status());
  std::cout << "signed up user " << user->user().id() << " <" << email << ">\n";

  miniter::v1::LoginRequest login;
  login.set_email(email);
  login.set_password(password);
  absl::StatusOr<miniter::v1::LoginResponse> session = client->Login(login);
  if (!session.ok()) return Fail("Login", session.status());
  if (session->user_id() != user->user().id()) {
    std::cerr << "consumer: logged in as user " << session->user_id()
              << ", expected " << user->user().id() << "\n";
    return 1;
  }
  std::cout << "logged in as user " << session->user_id() << "\n";
  client->set_access_token(session->access_token());

  miniter::v1::TweetRequest tweet;
  tweet.set_text("hello from an installed miniter::client 👋");
  absl::StatusOr<miniter::v1::TweetResponse> posted = client->Tweet(tweet);
  if (!posted.ok()) return Fail("Tweet", posted.status());
  std::cout << "tweeted #" << posted->tweet().id() << "\n";

  absl::StatusOr<miniter::v1::TimelineResponse> timeline =
      client->Timeline(miniter::v1::TimelineRequest());
  if (!timeline.ok()) return Fail("Timeline", timeline.status());
  if (timeline->tweets_size() == 0 ||
      timeline->tweets(0).id() != posted->tweet().id() ||
      timeline->tweets(0).text() != tweet.text()) {
    std::cerr << "consumer: the timeline does not start with the new tweet:\n"
              << timeline->DebugString();
    return 1;
  }
  std::cout << "timeline starts with #" << timeline->tweets(0).id() << ": "
            << timeline->tweets(0).text() << "\n";
  std::cout << "consumer: all calls succeeded\n";
  return 0;
}
