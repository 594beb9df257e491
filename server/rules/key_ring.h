// key_ring.h: the signing keys of a deployment, newest first, each with a
// short public key id, so that the token secret can be rotated without
// logging everyone out.
//
// The newest key signs; every listed key verifies. A token names the key
// that signed it by its id, so checking it costs one signature check
// whatever the number of keys. Rotation (README, "Rotating the token
// secret"): list the new secret after the old one on every server (all
// accept it), then in front (it signs), wait one token lifetime, drop the
// old one.
#ifndef MINITER_SERVER_RULES_KEY_RING_H_
#define MINITER_SERVER_RULES_KEY_RING_H_

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace miniter::rules {

// Thread-safe (immutable after Create).
class KeyRing {
 public:
  // Enough for a rotation (new, current, previous) with room to spare;
  // a longer list is more likely a mistake than a plan.
  static constexpr std::size_t kMaxKeys = 8;
  // 48 bits: ids of a handful of keys never collide by chance (and a
  // collision is refused at Create rather than mistaken).
  static constexpr std::size_t kIdBytes = 6;

  struct Key {
    // kIdBytes raw bytes: the first bytes of HMAC-SHA256(source secret,
    // "miniter key id"). Public (tokens carry it); it tells nothing of
    // the secret beyond what a token's signature already does.
    std::string id;
    std::string secret;

    // The id as 8 URL-safe base64 characters (the JWT "kid" header, logs).
    std::string IdText() const;
  };

  // `secrets` newest first. INVALID_ARGUMENT when the list is empty, has
  // more than kMaxKeys entries, an entry shorter than `min_bytes`, or the
  // same secret twice (same id). `noun` names an entry in those messages
  // ("token secret"); a secret itself never appears in a message.
  static absl::StatusOr<KeyRing> Create(std::vector<std::string> secrets,
                                        std::size_t min_bytes,
                                        absl::string_view noun);

  // The key that signs new tokens.
  const Key& newest() const { return keys_.front(); }
  // The key with raw id `id`; null when none has it (retired or forged).
  const Key* Find(absl::string_view id) const;
  const std::vector<Key>& keys() const { return keys_; }

  // kIdBytes of HMAC-SHA256(`secret`, "miniter key id").
  static std::string IdOf(absl::string_view secret);

  // One 32-byte key per listed key for another use of the same secrets
  // (e.g. page tokens): HMAC-SHA256(secret, `purpose`), keeping each
  // source key's id, so a derived token names the secret behind it.
  // `purpose` must not contain '.': every message HS256 signs for a JWT
  // does, so a derived key is never a token signature, nor the other way
  // round. The secrets cannot be recovered from derived keys.
  KeyRing Derive(absl::string_view purpose) const;

  // The secrets in an operator's setting (--token_secret or the lines of
  // --token_secret_file), newest first: separated by commas or line
  // breaks, white space around each ignored (no secret begins or ends
  // with it), empty entries skipped. A secret with neither separator is a
  // list of one, so a single-secret setting keeps working.
  static std::vector<std::string> SplitList(absl::string_view text);

 private:
  explicit KeyRing(std::vector<Key> keys) : keys_(std::move(keys)) {}

  std::vector<Key> keys_;  // Never empty.
};

}  // namespace miniter::rules

#endif  // MINITER_SERVER_RULES_KEY_RING_H_
