// token_fuzzer.cc: libFuzzer target over access-token checking. The input is
// an "authorization" metadata value; it goes through the rules'
// Authenticate (scheme parsing) and TokenService::Verify (libjwt decoding,
// signature, algorithm pin, issuer, expiry, subject) with a fixed key and a
// fixed clock, so a finding replays the same way forever.
//
// Invariants: a value is accepted only with the Bearer scheme, for the same
// user Verify gives, for a non-zero user; and a token accepted under the
// fixed key is refused under any other key (so no input can make the
// signature optional, e.g. "alg":"none").
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "server/rules/miniter_rules.h"
#include "server/rules/token_service.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

using miniter::rules::MiniterRules;
using miniter::rules::TokenService;

// The seed corpus holds tokens signed with this key
// (tests/fuzz/make_corpus.py).
constexpr char kFixedSecret[] = "miniter-fuzz-fixed-secret-0123456789abcdef";
constexpr char kOtherSecret[] = "miniter-fuzz-other-secret-0123456789abcdef";
// 2026-06-01T00:00:00Z: the seed tokens are valid then (or expired on purpose).
const absl::Time kNow = absl::FromUnixSeconds(1780272000);

struct Fixture {
  std::shared_ptr<const TokenService> tokens;
  std::shared_ptr<const TokenService> other_tokens;
  std::unique_ptr<MiniterRules> rules;
};

const Fixture& GetFixture() {
  static const Fixture* fixture = [] {
    auto* f = new Fixture;
    f->tokens = *TokenService::Create(kFixedSecret, absl::Hours(24));
    f->other_tokens = *TokenService::Create(kOtherSecret, absl::Hours(24));
    // Authenticate needs only the token service and the clock; the stores
    // stay empty because no storage call is reachable from it.
    MiniterRules::Dependencies deps;
    deps.tokens = f->tokens;
    deps.clock = [] { return kNow; };
    f->rules = std::make_unique<MiniterRules>(std::move(deps));
    return f;
  }();
  return *fixture;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  const Fixture& fixture = GetFixture();
  const absl::string_view input(reinterpret_cast<const char*>(data), size);

  // The input as a bare token.
  absl::StatusOr<miniter::storage::UserId> verified =
      fixture.tokens->Verify(input, kNow);
  if (verified.ok()) {
    FUZZ_CHECK(*verified != 0);
    FUZZ_CHECK(!fixture.other_tokens->Verify(input, kNow).ok());
  } else {
    FUZZ_CHECK(verified.status().code() == absl::StatusCode::kUnauthenticated);
  }

  // The input as the whole metadata value.
  absl::StatusOr<miniter::storage::UserId> caller =
      fixture.rules->Authenticate(input);
  if (caller.ok()) {
    FUZZ_CHECK(absl::StartsWithIgnoreCase(input, "bearer "));
    absl::string_view token = absl::StripAsciiWhitespace(input.substr(7));
    absl::StatusOr<miniter::storage::UserId> direct =
        fixture.tokens->Verify(token, kNow);
    FUZZ_CHECK(direct.ok());
    FUZZ_CHECK(*direct == *caller);
  } else {
    FUZZ_CHECK(caller.status().code() == absl::StatusCode::kUnauthenticated);
  }
  return 0;
}
