// request_fuzzer.cc: libFuzzer target over request decoding and the rules'
// checks of each field. The first byte picks the miniter.v1 request type,
// the rest is parsed as that protobuf message exactly as gRPC would, and a
// parsed request goes through the validation the server applies to it
// (text normalization and limits, e-mail, password, page size, page token).
//
// A seventh kind skips protobuf and hands the raw bytes to every text
// check, because protobuf refuses invalid UTF-8 before the rules would see
// it, yet the rules must cope with any bytes on their own.
//
// Beyond "no crash, no sanitizer report" it checks what the rules promise:
// accepted text is NFC, within its limit and accepted again unchanged; an
// e-mail's key is the same for its display form; a page token that decodes
// (under a fixed key) re-encodes to the same cursor, and the same token
// never decodes under another key.
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/stubs/logging.h"
#include "miniter/v1/miniter.pb.h"
#include "server/rules/miniter_rules.h"
#include "server/rules/page_token.h"
#include "server/rules/text_rules.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

using namespace miniter::rules;  // NOLINT: the functions under test

// An accepted text must come back as a fixed point of the same check, in
// NFC, and within `max_code_points`.
void CheckAcceptedText(
    const absl::StatusOr<std::string>& accepted, std::size_t max_code_points,
    absl::StatusOr<std::string> (*validate)(absl::string_view)) {
  if (!accepted.ok()) return;
  FUZZ_CHECK(CountCodePoints(*accepted) <= max_code_points);
  absl::StatusOr<std::string> normalized = NormalizeNfc(*accepted, "text");
  FUZZ_CHECK(normalized.ok());
  FUZZ_CHECK(*normalized == *accepted);
  absl::StatusOr<std::string> again = validate(*accepted);
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(*again == *accepted);
}

void CheckEmail(const std::string& email) {
  absl::StatusOr<EmailAddress> address = ValidateEmail(email);
  if (!address.ok()) return;
  FUZZ_CHECK(address->display.size() <= kMaxEmailBytes);
  FUZZ_CHECK(address->display.find('@') != std::string::npos);
  absl::StatusOr<EmailAddress> again = ValidateEmail(address->display);
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(again->key == address->key);
}

void CheckPassword(const std::string& password) {
  if (ValidatePassword(password).ok()) {
    const std::size_t n = CountCodePoints(password);
    FUZZ_CHECK(n >= kMinPasswordCodePoints && n <= kMaxPasswordCodePoints);
  }
}

// Fixed keys, so that a finding replays the same way forever.
const PageTokenCodec& PageTokens() {
  static const PageTokenCodec* codec = new PageTokenCodec(
      *PageTokenCodec::Create("miniter-fuzz-page-token-key-0123456789abcdef"));
  return *codec;
}
const PageTokenCodec& OtherPageTokens() {
  static const PageTokenCodec* codec = new PageTokenCodec(
      *PageTokenCodec::Create("miniter-fuzz-other-page-key-0123456789abcdef"));
  return *codec;
}

void CheckPageToken(const std::string& token) {
  absl::StatusOr<TimelineCursor> cursor = PageTokens().Decode(token);
  if (!cursor.ok()) {
    FUZZ_CHECK(cursor.status().code() == absl::StatusCode::kInvalidArgument);
    return;
  }
  // Reaching here means the input forged a signature (or is a valid token
  // the fuzzer found by re-encoding); either way it must round-trip and
  // must not verify under another key.
  FUZZ_CHECK(cursor->timeline_user_id != 0 && cursor->before_tweet_id != 0);
  FUZZ_CHECK(!OtherPageTokens().Decode(token).ok());
  const std::string encoded = PageTokens().Encode(*cursor);
  absl::StatusOr<TimelineCursor> again = PageTokens().Decode(encoded);
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(again->timeline_user_id == cursor->timeline_user_id);
  FUZZ_CHECK(again->before_tweet_id == cursor->before_tweet_id);
}

void CheckEveryTextRule(const std::string& text) {
  CheckAcceptedText(ValidateName(text), kMaxNameCodePoints, &ValidateName);
  CheckAcceptedText(ValidateProfile(text), kMaxProfileCodePoints,
                    &ValidateProfile);
  absl::StatusOr<std::string> tweet = ValidateTweetText(text);
  CheckAcceptedText(tweet, kMaxTweetCodePoints, &ValidateTweetText);
  if (tweet.ok()) FUZZ_CHECK(!IsBlank(*tweet));
  CheckEmail(text);
  CheckPassword(text);
  CheckPageToken(text);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  // Protobuf logs every refused string; at fuzzing speed that is noise.
  static const bool quiet = [] {
    google::protobuf::SetLogHandler(nullptr);
    return true;
  }();
  (void)quiet;
  if (size == 0) return 0;
  const std::uint8_t kind = data[0] % 7;
  const void* body = data + 1;
  const int body_size = static_cast<int>(size - 1);
  switch (kind) {
    case 0: {
      miniter::v1::SignUpRequest request;
      if (!request.ParseFromArray(body, body_size)) return 0;
      CheckAcceptedText(ValidateName(request.name()), kMaxNameCodePoints,
                        &ValidateName);
      CheckEmail(request.email());
      CheckPassword(request.password());
      CheckAcceptedText(ValidateProfile(request.profile()),
                        kMaxProfileCodePoints, &ValidateProfile);
      break;
    }
    case 1: {
      miniter::v1::LoginRequest request;
      if (!request.ParseFromArray(body, body_size)) return 0;
      CheckEmail(request.email());
      CheckPassword(request.password());
      break;
    }
    case 2: {
      miniter::v1::TweetRequest request;
      if (!request.ParseFromArray(body, body_size)) return 0;
      absl::StatusOr<std::string> text = ValidateTweetText(request.text());
      CheckAcceptedText(text, kMaxTweetCodePoints, &ValidateTweetText);
      if (text.ok()) FUZZ_CHECK(!IsBlank(*text));
      break;
    }
    case 3: {
      miniter::v1::FollowRequest request;
      if (!request.ParseFromArray(body, body_size)) return 0;
      break;
    }
    case 4: {
      miniter::v1::UnfollowRequest request;
      if (!request.ParseFromArray(body, body_size)) return 0;
      break;
    }
    case 5: {
      miniter::v1::TimelineRequest request;
      if (!request.ParseFromArray(body, body_size)) return 0;
      CheckPageToken(request.page_token());
      break;
    }
    case 6:
      CheckEveryTextRule(std::string(reinterpret_cast<const char*>(body),
                                     static_cast<std::size_t>(body_size)));
      break;
  }
  return 0;
}
