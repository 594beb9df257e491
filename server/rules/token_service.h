// token_service.h: issues and checks access tokens (HS256-signed JWTs).
//
// Tokens are stateless: any miniter server holding the same secret accepts
// them, with no database read per call. The cost is that a token cannot be
// revoked before it expires, so lifetimes are kept short.
#ifndef MINITER_SERVER_RULES_TOKEN_SERVICE_H_
#define MINITER_SERVER_RULES_TOKEN_SERVICE_H_

#include <memory>
#include <string>
#include "absl/strings/string_view.h"

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "server/storage/records.h"

namespace miniter::rules {

// A token handed to a client.
struct IssuedToken {
  std::string token;
  absl::Time expires_at;
};

// Thread-safe (holds only immutable state).
class TokenService {
 public:
  // Secrets shorter than this are refused: HS256 wants at least as many
  // bytes of key as the hash output.
  static constexpr std::size_t kMinSecretBytes = 32;

  // INVALID_ARGUMENT when `secret` is too short or `lifetime` not positive.
  static absl::StatusOr<std::unique_ptr<TokenService>> Create(
      std::string secret, absl::Duration lifetime);

  // A token for `user_id`, valid from `now` for the configured lifetime.
  absl::StatusOr<IssuedToken> Issue(storage::UserId user_id,
                                    absl::Time now) const;

  // The user id a token was issued to. UNAUTHENTICATED when the token is
  // malformed, signed with another key or algorithm, or expired at `now`.
  absl::StatusOr<storage::UserId> Verify(absl::string_view token,
                                         absl::Time now) const;

  static constexpr std::size_t kDerivedKeyBytes = 32;

  // A kDerivedKeyBytes key for another use of the same secret (e.g. signing
  // page tokens), so every server of a deployment agrees on it without a
  // second secret to configure: HMAC-SHA256(secret, purpose). `purpose`
  // must not contain '.': every message HS256 signs for a JWT does, so a
  // derived key is never a token signature, nor the other way round.
  // Different purposes give independent keys; the secret cannot be
  // recovered from one.
  std::string DeriveKey(absl::string_view purpose) const;

 private:
  TokenService(std::string secret, absl::Duration lifetime)
      : secret_(std::move(secret)), lifetime_(lifetime) {}

  const std::string secret_;
  const absl::Duration lifetime_;
};

}  // namespace miniter::rules

#endif  // MINITER_SERVER_RULES_TOKEN_SERVICE_H_
