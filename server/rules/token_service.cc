// token_service.cc: JWT issuing and checking on libjwt (HS256), with the
// signing key named by the header's "kid".
#include "server/rules/token_service.h"

#include <jwt.h>

#include <cstdlib>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
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

// The key that must have signed `token`: the one its header's "kid"
// names; null for a token without one (issued before key ids existed).
// libjwt reads the header only while checking the signature, which needs
// the key first, so the header JSON is read here by libjwt's own parser
// (jansson, through the grants of a scratch jwt_t). Verify then checks
// that the header libjwt verified names the same key.
absl::StatusOr<const KeyRing::Key*> KeyNamedBy(const KeyRing& keys,
                                               absl::string_view token) {
  const std::size_t dot = token.find('.');
  std::string header;
  if (dot == absl::string_view::npos ||
      !absl::WebSafeBase64Unescape(token.substr(0, dot), &header)) {
    return Unauthenticated("bad signature or format");
  }
  jwt_t* raw = nullptr;
  if (jwt_new(&raw) != 0) return absl::InternalError("jwt_new failed");
  JwtPtr scratch(raw);
  if (jwt_add_grants_json(scratch.get(), header.c_str()) != 0) {
    return Unauthenticated("bad signature or format");
  }
  const char* kid = jwt_get_grant(scratch.get(), "kid");
  if (kid == nullptr) return nullptr;
  std::string id;
  const KeyRing::Key* key =
      absl::WebSafeBase64Unescape(kid, &id) ? keys.Find(id) : nullptr;
  if (key == nullptr) {
    return Unauthenticated("signed with a secret this server no longer has");
  }
  return key;
}

}  // namespace

absl::StatusOr<std::unique_ptr<TokenService>> TokenService::Create(
    std::vector<std::string> secrets, absl::Duration lifetime) {
  absl::StatusOr<KeyRing> keys =
      KeyRing::Create(std::move(secrets), kMinSecretBytes, "token secret");
  if (!keys.ok()) return keys.status();
  if (lifetime <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("the token lifetime must be positive");
  }
  return std::unique_ptr<TokenService>(
      new TokenService(*std::move(keys), lifetime));
}

absl::StatusOr<std::unique_ptr<TokenService>> TokenService::Create(
    std::string secret, absl::Duration lifetime) {
  std::vector<std::string> secrets;
  secrets.push_back(std::move(secret));
  return Create(std::move(secrets), lifetime);
}

std::vector<std::string> TokenService::KeyIds() const {
  std::vector<std::string> ids;
  for (const KeyRing::Key& key : keys_.keys()) ids.push_back(key.IdText());
  return ids;
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
  const KeyRing::Key& key = keys_.newest();
  if (jwt_add_header(jwt.get(), "kid", key.IdText().c_str()) != 0 ||
      jwt_add_grant(jwt.get(), "iss", kIssuer) != 0 ||
      jwt_add_grant(jwt.get(), "sub", subject.c_str()) != 0 ||
      jwt_add_grant_int(jwt.get(), "iat", absl::ToUnixSeconds(now)) != 0 ||
      jwt_add_grant_int(jwt.get(), "exp", absl::ToUnixSeconds(expires_at)) !=
          0 ||
      jwt_set_alg(jwt.get(), JWT_ALG_HS256,
                  reinterpret_cast<const unsigned char*>(key.secret.data()),
                  static_cast<int>(key.secret.size())) != 0) {
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
  absl::StatusOr<const KeyRing::Key*> named = KeyNamedBy(keys_, token);
  if (!named.ok()) return named.status();
  // One signature check for a token that names its key. A token without a
  // key id, from before key ids, is tried with each listed secret (at most
  // KeyRing::kMaxKeys, and only until such tokens have expired), so an
  // upgrade logs nobody out whatever the order of the list then.
  std::vector<const KeyRing::Key*> candidates;
  if (*named != nullptr) {
    candidates.push_back(*named);
  } else {
    for (const KeyRing::Key& key : keys_.keys()) candidates.push_back(&key);
  }
  const std::string token_string(token);
  JwtPtr jwt;
  for (const KeyRing::Key* key : candidates) {
    jwt_t* raw = nullptr;
    if (jwt_decode(&raw, token_string.c_str(),
                   reinterpret_cast<const unsigned char*>(key->secret.data()),
                   static_cast<int>(key->secret.size())) == 0) {
      jwt.reset(raw);
      break;
    }
  }
  if (jwt == nullptr) return Unauthenticated("bad signature or format");
  // Pin the algorithm: never let the token choose "none" or another key
  // type.
  if (jwt_get_alg(jwt.get()) != JWT_ALG_HS256) {
    return Unauthenticated("wrong algorithm");
  }
  // The signed header must name the key that checked it (both parsers
  // read the same bytes; this keeps it so should they ever differ).
  const char* kid = jwt_get_header(jwt.get(), "kid");
  if (kid == nullptr ? *named != nullptr
                     : *named == nullptr || (*named)->IdText() != kid) {
    return Unauthenticated("key id does not match");
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

}  // namespace miniter::rules
