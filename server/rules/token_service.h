// token_service.h: issues and checks access tokens (HS256-signed JWTs).
//
// Tokens are stateless: any miniter server holding the same secret accepts
// them, with no database read per call. The cost is that a token cannot be
// revoked before it expires, so lifetimes are kept short.
//
// A deployment may list several secrets, newest first (key_ring.h): the
// newest signs, each token names its key in the JWT header "kid", and a
// token signed with any listed secret is accepted, so the secret can be
// rotated without logging anyone out.
#ifndef MINITER_SERVER_RULES_TOKEN_SERVICE_H_
#define MINITER_SERVER_RULES_TOKEN_SERVICE_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "server/rules/key_ring.h"
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

  // `secrets` newest first, at most KeyRing::kMaxKeys. INVALID_ARGUMENT
  // when one is too short, one is listed twice, there are none or too
  // many, or `lifetime` is not positive.
  static absl::StatusOr<std::unique_ptr<TokenService>> Create(
      std::vector<std::string> secrets, absl::Duration lifetime);
  // A deployment with one secret.
  static absl::StatusOr<std::unique_ptr<TokenService>> Create(
      std::string secret, absl::Duration lifetime);

  // A token for `user_id`, valid from `now` for the configured lifetime,
  // signed with the newest secret and carrying its key id.
  absl::StatusOr<IssuedToken> Issue(storage::UserId user_id,
                                    absl::Time now) const;

  // The user id a token was issued to. UNAUTHENTICATED when the token is
  // malformed, names a key id none of the secrets has (a retired secret),
  // is signed with another key or algorithm, or expired at `now`. A token
  // without a key id (issued before key ids existed) is accepted when any
  // listed secret signed it, so upgrading logs nobody out.
  absl::StatusOr<storage::UserId> Verify(absl::string_view token,
                                         absl::Time now) const;

  // Keys for another use of the same secrets (e.g. signing page tokens),
  // one per secret with its key id, newest first, so every server of a
  // deployment agrees on them without more secrets to configure, and they
  // rotate with the token secret (KeyRing::Derive). Different purposes
  // give independent keys.
  KeyRing DeriveKeys(absl::string_view purpose) const {
    return keys_.Derive(purpose);
  }

  // One key for a use that cannot take one per secret (e.g. hashing the
  // names of shared rate-limit counters): derived from the newest secret,
  // so it changes when a rotation puts a new secret in front (those
  // counters start afresh once).
  std::string DeriveKey(absl::string_view purpose) const {
    return keys_.Derive(purpose).newest().secret;
  }

  // The key ids of the secrets as text, newest (signing) first: what a
  // server logs at start, so operators can see a rotation took effect.
  std::vector<std::string> KeyIds() const;

 private:
  TokenService(KeyRing keys, absl::Duration lifetime)
      : keys_(std::move(keys)), lifetime_(lifetime) {}

  const KeyRing keys_;
  const absl::Duration lifetime_;
};

}  // namespace miniter::rules

#endif  // MINITER_SERVER_RULES_TOKEN_SERVICE_H_
