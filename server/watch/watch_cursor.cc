// watch_cursor.cc: encoding, signing and checking of WatchTimeline cursors
// (the layout is in watch_cursor.h, at WatchCursorCodec::Encode).
#include "server/watch/watch_cursor.h"

#include <sodium.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace miniter::watch {
namespace {

// Not 0x01..0x03 (the page tokens' versions) nor 'v' (their old text
// form); the key label already keeps the formats apart, this only makes a
// mixed-up token fail before the MAC is computed.
constexpr unsigned char kVersion = 'W';
constexpr std::size_t kTagBytes = 16;
// Varints of 64-bit values take at most 10 bytes.
constexpr std::size_t kMaxVarintBytes = 10;
constexpr std::size_t kHeaderBytes = 1 + rules::KeyRing::kIdBytes + 8 + 8;
constexpr std::size_t kMaxTokenBytes =
    kHeaderBytes +
    kMaxVarintBytes * (1 + WatchCursorCodec::kMaxSentAboveFloor) + kTagBytes;

void EnsureSodium() {
  // Idempotent and thread-safe; fails only without a randomness source.
  if (sodium_init() < 0) std::abort();
}

void PutBigEndian(std::uint64_t value, std::string* out) {
  for (int shift = 56; shift >= 0; shift -= 8) {
    out->push_back(static_cast<char>((value >> shift) & 0xFF));
  }
}

void PutVarint(std::uint64_t value, std::string* out) {
  while (value >= 0x80) {
    out->push_back(static_cast<char>((value & 0x7F) | 0x80));
    value >>= 7;
  }
  out->push_back(static_cast<char>(value));
}

// Reads from `in` at `*at`; false when the bytes run out or it is too long.
bool GetBigEndian(absl::string_view in, std::size_t* at, std::uint64_t* value) {
  if (in.size() - *at < 8) return false;
  *value = 0;
  for (int i = 0; i < 8; ++i) {
    *value = (*value << 8) | static_cast<unsigned char>(in[(*at)++]);
  }
  return true;
}

bool GetVarint(absl::string_view in, std::size_t* at, std::uint64_t* value) {
  *value = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (*at >= in.size()) return false;
    const auto byte = static_cast<unsigned char>(in[(*at)++]);
    *value |= static_cast<std::uint64_t>(byte & 0x7F) << shift;
    if ((byte & 0x80) == 0) return true;
  }
  return false;
}

std::string Tag(const std::string& key, absl::string_view payload) {
  unsigned char tag[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(
      &state, reinterpret_cast<const unsigned char*>(key.data()), key.size());
  crypto_auth_hmacsha256_update(
      &state, reinterpret_cast<const unsigned char*>(payload.data()),
      payload.size());
  crypto_auth_hmacsha256_final(&state, tag);
  return std::string(reinterpret_cast<const char*>(tag), kTagBytes);
}

}  // namespace

absl::StatusOr<WatchCursorCodec> WatchCursorCodec::Create(rules::KeyRing keys) {
  for (const rules::KeyRing::Key& key : keys.keys()) {
    if (key.secret.size() < kMinKeyBytes) {
      return absl::InvalidArgumentError(absl::StrCat(
          "the watch cursor key must be at least ", kMinKeyBytes, " bytes"));
    }
  }
  EnsureSodium();
  return WatchCursorCodec(std::move(keys));
}

WatchCursorCodec WatchCursorCodec::WithRandomKey() {
  EnsureSodium();
  std::string key(kMinKeyBytes, '\0');
  randombytes_buf(key.data(), key.size());
  std::vector<std::string> secrets;
  secrets.push_back(std::move(key));
  // A random 32-byte key always makes a valid ring.
  return *Create(*rules::KeyRing::Create(std::move(secrets), kMinKeyBytes,
                                         "watch cursor key"));
}

std::string WatchCursorCodec::Encode(const WatchCursor& cursor) const {
  const rules::KeyRing::Key& key = keys_.newest();
  std::string token;
  token.push_back(static_cast<char>(kVersion));
  token.append(key.id);
  PutBigEndian(cursor.owner, &token);
  PutBigEndian(cursor.floor, &token);
  PutVarint(cursor.sent_above_floor.size(), &token);
  storage::TweetId previous = cursor.floor;
  for (storage::TweetId id : cursor.sent_above_floor) {
    PutVarint(id - previous, &token);
    previous = id;
  }
  token.append(Tag(key.secret, token));
  return absl::WebSafeBase64Escape(token);
}

absl::StatusOr<WatchCursor> WatchCursorCodec::Decode(
    absl::string_view token, storage::UserId owner) const {
  const absl::Status invalid = absl::InvalidArgumentError(
      "resume_cursor is not a cursor WatchTimeline returned to this caller "
      "(it was altered, truncated, issued to another account or by another "
      "deployment, or signed with a secret this one no longer accepts); "
      "send an event's cursor unchanged, or none to watch from now on");
  // Base64 of the longest cursor; the limit keeps garbage from being
  // decoded at all.
  if (token.size() > (kMaxTokenBytes * 4 + 2) / 3) return invalid;
  std::string plain;
  if (!absl::WebSafeBase64Unescape(token, &plain)) return invalid;
  if (plain.size() < kHeaderBytes + 1 + kTagBytes ||
      static_cast<unsigned char>(plain[0]) != kVersion) {
    return invalid;
  }
  const absl::string_view payload =
      absl::string_view(plain).substr(0, plain.size() - kTagBytes);
  const rules::KeyRing::Key* key =
      keys_.Find(payload.substr(1, rules::KeyRing::kIdBytes));
  if (key == nullptr) return invalid;
  const std::string expected = Tag(key->secret, payload);
  static_assert(kTagBytes == 16, "crypto_verify_16 compares 16 bytes");
  // Constant time, so timing does not reveal how much of a guess matched.
  if (crypto_verify_16(reinterpret_cast<const unsigned char*>(expected.data()),
                       reinterpret_cast<const unsigned char*>(plain.data()) +
                           payload.size()) != 0) {
    return invalid;
  }
  WatchCursor cursor;
  std::size_t at = 1 + rules::KeyRing::kIdBytes;
  std::uint64_t count = 0;
  if (!GetBigEndian(payload, &at, &cursor.owner) ||
      !GetBigEndian(payload, &at, &cursor.floor) ||
      !GetVarint(payload, &at, &count) || count > kMaxSentAboveFloor) {
    return invalid;
  }
  storage::TweetId previous = cursor.floor;
  for (std::uint64_t i = 0; i < count; ++i) {
    std::uint64_t step = 0;
    if (!GetVarint(payload, &at, &step) || step == 0 ||
        step > UINT64_MAX - previous) {
      return invalid;
    }
    previous += step;
    cursor.sent_above_floor.push_back(previous);
  }
  if (at != payload.size() || cursor.owner != owner) return invalid;
  return cursor;
}

}  // namespace miniter::watch
