// token_service.cc: JWT issuing and checking on libjwt (HS256), and keys
// derived from the same secret (libsodium's HMAC-SHA256).
#include "server/rules/token_service.h"

#include <jwt.h>
#include <sodium.h>

#include <cstdlib>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace miniter::rules {
namespace {

constexpr char kIssuer[] = "miniter";

struct JwtDeleter {
  void operator()(jwt_t* jwt) const { jwt_free(jwt); }
};
using JwtPtr = std::unique_ptr<jwt_t, JwtDeleter>;

absl::Status Unauthenticated(absl::string_view why) {
  return absl::UnauthenticatedError(
      absl::StrCat("invalid access token (", why, "); log in again"));
}

}  // namespace

absl::StatusOr<std::unique_ptr<TokenService>> TokenService::Create(
    std::string secret, absl::Duration lifetime) {
  if (secret.size() < kMinSecretBytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the token secret must be at least ", kMinSecretBytes,
        " bytes (e.g. `openssl rand -hex 32`)"));
  }
  if (lifetime <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("the token lifetime must be positive");
  }
  return std::unique_ptr<TokenService>(
      new TokenService(std::move(secret), lifetime));
}

absl::StatusOr<IssuedToken> TokenService::Issue(storage::UserId user_id,
                                                absl::Time now) const {
  jwt_t* raw = nullptr;
  if (jwt_new(&raw) != 0) return absl::InternalError("jwt_new failed");
  JwtPtr jwt(raw);
  // JWT times are whole seconds; round the expiry down so the value we
  // report is exactly the one inside the token.
  const absl::Time expires_at =
      absl::FromUnixSeconds(absl::ToUnixSeconds(now + lifetime_));
  const std::string subject = absl::StrCat(user_id);
  if (jwt_add_grant(jwt.get(), "iss", kIssuer) != 0 ||
      jwt_add_grant(jwt.get(), "sub", subject.c_str()) != 0 ||
      jwt_add_grant_int(jwt.get(), "iat", absl::ToUnixSeconds(now)) != 0 ||
      jwt_add_grant_int(jwt.get(), "exp", absl::ToUnixSeconds(expires_at)) !=
          0 ||
      jwt_set_alg(jwt.get(), JWT_ALG_HS256,
                  reinterpret_cast<const unsigned char*>(secret_.data()),
                  static_cast<int>(secret_.size())) != 0) {
    return absl::InternalError("could not build the access token");
  }
  char* encoded = jwt_encode_str(jwt.get());
  if (encoded == nullptr) {
    return absl::InternalError("could not sign the access token");
  }
  IssuedToken issued{encoded, expires_at};
  std::free(encoded);  // libjwt 1.10 allocates with malloc.
  return issued;
}

absl::StatusOr<storage::UserId> TokenService::Verify(absl::string_view token,
                                                     absl::Time now) const {
  // A JWT is three base64url parts; anything else is rejected before the
  // parser sees it. 4 KiB is far above what Issue produces.
  if (token.empty() || token.size() > 4096) {
    return Unauthenticated("wrong length");
  }
  const std::string token_string(token);
  jwt_t* raw = nullptr;
  if (jwt_decode(&raw, token_string.c_str(),
                 reinterpret_cast<const unsigned char*>(secret_.data()),
                 static_cast<int>(secret_.size())) != 0) {
    return Unauthenticated("bad signature or format");
  }
  JwtPtr jwt(raw);
  // Pin the algorithm: never let the token choose "none" or another key
  // type.
  if (jwt_get_alg(jwt.get()) != JWT_ALG_HS256) {
    return Unauthenticated("wrong algorithm");
  }
  const char* issuer = jwt_get_grant(jwt.get(), "iss");
  if (issuer == nullptr || absl::string_view(issuer) != kIssuer) {
    return Unauthenticated("wrong issuer");
  }
  const long expires = jwt_get_grant_int(jwt.get(), "exp");
  if (expires <= 0 || now >= absl::FromUnixSeconds(expires)) {
    return Unauthenticated("expired");
  }
  const char* subject = jwt_get_grant(jwt.get(), "sub");
  storage::UserId user_id = 0;
  if (subject == nullptr || !absl::SimpleAtoi(subject, &user_id) ||
      user_id == 0) {
    return Unauthenticated("no user");
  }
  return user_id;
}

std::string TokenService::DeriveKey(absl::string_view purpose) const {
  // sodium_init is idempotent and thread-safe; it fails only when the
  // system has no randomness source, which nothing here could survive.
  if (sodium_init() < 0) std::abort();
  static_assert(kDerivedKeyBytes == crypto_auth_hmacsha256_BYTES);
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(
      &state, reinterpret_cast<const unsigned char*>(secret_.data()),
      secret_.size());
  crypto_auth_hmacsha256_update(
      &state, reinterpret_cast<const unsigned char*>(purpose.data()),
      purpose.size());
  std::string key(kDerivedKeyBytes, '\0');
  crypto_auth_hmacsha256_final(&state,
                               reinterpret_cast<unsigned char*>(key.data()));
  sodium_memzero(&state, sizeof state);
  return key;
}

}  // namespace miniter::rules
