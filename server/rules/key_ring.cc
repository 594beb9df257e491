// key_ring.cc: key ids and derived keys with libsodium's HMAC-SHA256.
#include "server/rules/key_ring.h"

#include <sodium.h>

#include <cstdlib>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace miniter::rules {
namespace {

constexpr char kKeyIdPurpose[] = "miniter key id";

// HMAC-SHA256(key, message), 32 bytes.
std::string Hmac(absl::string_view key, absl::string_view message) {
  // sodium_init is idempotent and thread-safe; it fails only when the
  // system has no randomness source, which nothing here could survive.
  if (sodium_init() < 0) std::abort();
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(
      &state, reinterpret_cast<const unsigned char*>(key.data()), key.size());
  crypto_auth_hmacsha256_update(
      &state, reinterpret_cast<const unsigned char*>(message.data()),
      message.size());
  std::string mac(crypto_auth_hmacsha256_BYTES, '\0');
  crypto_auth_hmacsha256_final(&state,
                               reinterpret_cast<unsigned char*>(mac.data()));
  sodium_memzero(&state, sizeof state);
  return mac;
}

}  // namespace

std::string KeyRing::Key::IdText() const {
  return absl::WebSafeBase64Escape(id);
}

std::string KeyRing::IdOf(absl::string_view secret) {
  return Hmac(secret, kKeyIdPurpose).substr(0, kIdBytes);
}

absl::StatusOr<KeyRing> KeyRing::Create(std::vector<std::string> secrets,
                                        std::size_t min_bytes,
                                        absl::string_view noun) {
  if (secrets.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("no ", noun, " given"));
  }
  if (secrets.size() > kMaxKeys) {
    return absl::InvalidArgumentError(
        absl::StrCat("at most ", kMaxKeys, " ", noun, "s may be listed, not ",
                     secrets.size(), " (newest first: drop the oldest)"));
  }
  std::vector<Key> keys;
  keys.reserve(secrets.size());
  for (std::size_t i = 0; i < secrets.size(); ++i) {
    // Positions, never the secrets, so that the message can be logged.
    const std::string which =
        secrets.size() == 1
            ? std::string(noun)
            : absl::StrCat(noun, " ", i + 1, " of ", secrets.size());
    if (secrets[i].size() < min_bytes) {
      return absl::InvalidArgumentError(
          absl::StrCat("the ", which, " must be at least ", min_bytes,
                       " bytes (e.g. `openssl rand -hex 32`)"));
    }
    std::string id = IdOf(secrets[i]);
    for (std::size_t j = 0; j < keys.size(); ++j) {
      if (keys[j].id == id) {
        return absl::InvalidArgumentError(absl::StrCat(
            "the ", which, " is listed twice (also as number ", j + 1, ")"));
      }
    }
    keys.push_back(Key{std::move(id), std::move(secrets[i])});
  }
  return KeyRing(std::move(keys));
}

const KeyRing::Key* KeyRing::Find(absl::string_view id) const {
  // At most kMaxKeys comparisons of 6 bytes; the one signature check that
  // follows is what costs.
  for (const Key& key : keys_) {
    if (key.id == id) return &key;
  }
  return nullptr;
}

KeyRing KeyRing::Derive(absl::string_view purpose) const {
  std::vector<Key> derived;
  derived.reserve(keys_.size());
  for (const Key& key : keys_) {
    derived.push_back(Key{key.id, Hmac(key.secret, purpose)});
  }
  return KeyRing(std::move(derived));
}

std::vector<std::string> KeyRing::SplitList(absl::string_view text) {
  std::vector<std::string> secrets;
  for (absl::string_view entry :
       absl::StrSplit(text, absl::ByAnyChar(",\n"), absl::SkipWhitespace())) {
    secrets.emplace_back(absl::StripAsciiWhitespace(entry));
  }
  return secrets;
}

}  // namespace miniter::rules
