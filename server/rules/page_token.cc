// page_token.cc: cursors as URL-safe base64 of
//   0x03 | key id (6 bytes) | user id (8 bytes, big-endian)
//   | tweet id (8 bytes, big-endian)
//   | the first 16 bytes of HMAC-SHA256(key, the 23 bytes before),
// 39 bytes, so 52 characters with no padding.
//
// The other RPCs' cursors have the same frame, each with its own first
// byte, their fields (8 bytes each, big-endian) in place of the two ids:
//   0x11 ListFollowing, 0x12 ListFollowers: list owner, edge time (Unix
//        microseconds), last account shown (47 bytes, 63 characters)
//   0x13 UserTweets: author, last tweet id shown (39 bytes, 52 characters)
//
// SearchUsers cursors (EncodeSearch):
//   0x51 | key id (6 bytes) | user id (8 bytes, big-endian)
//   | name_key length (2 bytes, big-endian) | name_key
//   | the first 16 bytes of HMAC-SHA256(key, all of the above + the query
//     key),
// at most 33 + 3060 bytes.
#include "server/rules/page_token.h"

#include <sodium.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "server/rules/text_rules.h"

namespace miniter::rules {
namespace {

// v1 (unsigned "v1:<user>:<tweet>") was the text form; binary v2 and v3
// cannot be mistaken for it because their first byte is not 'v'. v2 was v3
// without the key id.
constexpr unsigned char kVersion = 0x03;
constexpr unsigned char kVersionWithoutKeyId = 0x02;
constexpr std::size_t kIdAt = 1;
constexpr std::size_t kUserAt = kIdAt + KeyRing::kIdBytes;
constexpr std::size_t kTweetAt = kUserAt + 8;
constexpr std::size_t kPayloadBytes = kTweetAt + 8;
// 128 bits of tag: forging one takes 2^128 guesses; the full 256 would only
// make tokens longer.
constexpr std::size_t kTagBytes = 16;
constexpr std::size_t kTokenBytes = kPayloadBytes + kTagBytes;
constexpr std::size_t kTokenBytesWithoutKeyId = kTokenBytes - KeyRing::kIdBytes;

void EnsureSodium() {
  // Idempotent and thread-safe; fails only without a randomness source.
  if (sodium_init() < 0) std::abort();
}

void PutBigEndian(std::uint64_t value, unsigned char* out) {
  for (int i = 7; i >= 0; --i) {
    out[i] = static_cast<unsigned char>(value & 0xFF);
    value >>= 8;
  }
}

std::uint64_t GetBigEndian(const unsigned char* in) {
  std::uint64_t value = 0;
  for (int i = 0; i < 8; ++i) value = (value << 8) | in[i];
  return value;
}

void Tag(const std::string& key, const unsigned char* payload,
         unsigned char (&tag)[crypto_auth_hmacsha256_BYTES]) {
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(
      &state, reinterpret_cast<const unsigned char*>(key.data()), key.size());
  crypto_auth_hmacsha256_update(&state, payload, kPayloadBytes);
  crypto_auth_hmacsha256_final(&state, tag);
}

// The frames of the cursors other than Timeline's (see the top of this
// file).
constexpr unsigned char kFollowingFormat = 0x11;
constexpr unsigned char kFollowersFormat = 0x12;
constexpr unsigned char kUserTweetsFormat = 0x13;
constexpr std::size_t kFieldsAt = 1 + KeyRing::kIdBytes;

// HMAC-SHA256 of `size` bytes at `data` with a key of any length.
void FieldsTag(const std::string& key, const unsigned char* data,
               std::size_t size,
               unsigned char (&tag)[crypto_auth_hmacsha256_BYTES]) {
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(
      &state, reinterpret_cast<const unsigned char*>(key.data()), key.size());
  crypto_auth_hmacsha256_update(&state, data, size);
  crypto_auth_hmacsha256_final(&state, tag);
}

std::string SealFields(const KeyRing::Key& key, unsigned char format,
                       const std::vector<std::uint64_t>& fields) {
  std::vector<unsigned char> token(kFieldsAt + 8 * fields.size() + kTagBytes);
  token[0] = format;
  std::copy(key.id.begin(), key.id.end(), token.begin() + 1);
  for (std::size_t i = 0; i < fields.size(); ++i) {
    PutBigEndian(fields[i], token.data() + kFieldsAt + 8 * i);
  }
  const std::size_t signed_bytes = token.size() - kTagBytes;
  unsigned char tag[crypto_auth_hmacsha256_BYTES];
  FieldsTag(key.secret, token.data(), signed_bytes, tag);
  std::copy(tag, tag + kTagBytes, token.begin() + signed_bytes);
  return absl::WebSafeBase64Escape(absl::string_view(
      reinterpret_cast<const char*>(token.data()), token.size()));
}

// The `count` fields of a token SealFields made with `format` and any key
// of `keys`; every other token is refused with one message naming `rpc`.
absl::StatusOr<std::vector<std::uint64_t>> OpenFields(const KeyRing& keys,
                                                      unsigned char format,
                                                      std::size_t count,
                                                      absl::string_view token,
                                                      absl::string_view rpc) {
  const absl::Status invalid = absl::InvalidArgumentError(absl::StrCat(
      "page_token is not a next_page_token returned by ", rpc,
      " (it was altered, truncated, returned by another RPC, issued by "
      "another deployment or signed with a secret this one no longer "
      "accepts); send the next_page_token unchanged, or no page_token for "
      "the first page"));
  const std::size_t size = kFieldsAt + 8 * count + kTagBytes;
  // The limit only keeps garbage from being decoded at all.
  if (token.size() > 2 * size) return invalid;
  std::string plain;
  if (!absl::WebSafeBase64Unescape(token, &plain)) return invalid;
  if (plain.size() != size || static_cast<unsigned char>(plain[0]) != format) {
    return invalid;
  }
  const KeyRing::Key* key =
      keys.Find(absl::string_view(plain).substr(1, KeyRing::kIdBytes));
  if (key == nullptr) return invalid;
  const auto* bytes = reinterpret_cast<const unsigned char*>(plain.data());
  const std::size_t signed_bytes = size - kTagBytes;
  unsigned char tag[crypto_auth_hmacsha256_BYTES];
  FieldsTag(key->secret, bytes, signed_bytes, tag);
  if (crypto_verify_16(tag, bytes + signed_bytes) != 0) return invalid;
  std::vector<std::uint64_t> fields(count);
  for (std::size_t i = 0; i < count; ++i) {
    fields[i] = GetBigEndian(bytes + kFieldsAt + 8 * i);
    // Encoders never sign a zero field (ids start at 1, edge times are
    // after 1970), but a cursor is checked the same either way.
    if (fields[i] == 0) return invalid;
  }
  return fields;
}

}  // namespace

absl::StatusOr<PageTokenCodec> PageTokenCodec::Create(KeyRing keys) {
  for (const KeyRing::Key& key : keys.keys()) {
    if (key.secret.size() < kMinKeyBytes) {
      return absl::InvalidArgumentError(absl::StrCat(
          "the page token key must be at least ", kMinKeyBytes, " bytes"));
    }
  }
  EnsureSodium();
  return PageTokenCodec(std::move(keys));
}

absl::StatusOr<PageTokenCodec> PageTokenCodec::Create(std::string key) {
  std::vector<std::string> keys;
  keys.push_back(std::move(key));
  absl::StatusOr<KeyRing> ring =
      KeyRing::Create(std::move(keys), kMinKeyBytes, "page token key");
  if (!ring.ok()) return ring.status();
  return Create(*std::move(ring));
}

PageTokenCodec PageTokenCodec::WithRandomKey() {
  EnsureSodium();
  std::string key(kMinKeyBytes, '\0');
  randombytes_buf(key.data(), key.size());
  // A random 32-byte key always makes a valid ring.
  return *Create(std::move(key));
}

std::string PageTokenCodec::Encode(const TimelineCursor& cursor) const {
  const KeyRing::Key& key = keys_.newest();
  unsigned char token[kTokenBytes];
  token[0] = kVersion;
  std::copy(key.id.begin(), key.id.end(), token + kIdAt);
  PutBigEndian(cursor.timeline_user_id, token + kUserAt);
  PutBigEndian(cursor.before_tweet_id, token + kTweetAt);
  unsigned char tag[crypto_auth_hmacsha256_BYTES];
  Tag(key.secret, token, tag);
  std::copy(tag, tag + kTagBytes, token + kPayloadBytes);
  return absl::WebSafeBase64Escape(
      absl::string_view(reinterpret_cast<const char*>(token), kTokenBytes));
}

absl::StatusOr<TimelineCursor> PageTokenCodec::Decode(
    absl::string_view token) const {
  const absl::Status invalid = absl::InvalidArgumentError(
      "page_token is not a next_page_token returned by Timeline (it was "
      "altered, truncated, issued by another deployment or signed with a "
      "secret this one no longer accepts); send the next_page_token "
      "unchanged, or no page_token for the first page");
  // 52 characters; the limit only keeps garbage from being decoded at all.
  if (token.size() > 128) return invalid;
  std::string plain;
  if (!absl::WebSafeBase64Unescape(token, &plain)) return invalid;
  // Cursors live for one walk down a timeline, so older formats are not
  // worth a second code path: the client starts again from the top.
  if (absl::StartsWith(plain, "v1:") ||
      (plain.size() == kTokenBytesWithoutKeyId &&
       static_cast<unsigned char>(plain[0]) == kVersionWithoutKeyId)) {
    return absl::InvalidArgumentError(
        "page token from an older server version; start from the first "
        "page");
  }
  if (plain.size() != kTokenBytes ||
      static_cast<unsigned char>(plain[0]) != kVersion) {
    return invalid;
  }
  const KeyRing::Key* key =
      keys_.Find(absl::string_view(plain).substr(kIdAt, KeyRing::kIdBytes));
  // A retired key or a forged id: refused as a bad signature is.
  if (key == nullptr) return invalid;
  const auto* bytes = reinterpret_cast<const unsigned char*>(plain.data());
  unsigned char tag[crypto_auth_hmacsha256_BYTES];
  Tag(key->secret, bytes, tag);
  // Constant time, so timing does not reveal how much of a guess matched.
  static_assert(kTagBytes == 16, "crypto_verify_16 compares 16 bytes");
  if (crypto_verify_16(tag, bytes + kPayloadBytes) != 0) return invalid;
  TimelineCursor cursor;
  cursor.timeline_user_id = GetBigEndian(bytes + kUserAt);
  cursor.before_tweet_id = GetBigEndian(bytes + kTweetAt);
  // Encode never signs these, but a cursor is checked the same either way.
  if (cursor.timeline_user_id == 0 || cursor.before_tweet_id == 0) {
    return invalid;
  }
  return cursor;
}

std::string PageTokenCodec::EncodeFollowList(
    FollowListKind kind, const FollowListCursor& cursor) const {
  return SealFields(
      keys_.newest(),
      kind == FollowListKind::kFollowing ? kFollowingFormat : kFollowersFormat,
      {cursor.list_user_id,
       static_cast<std::uint64_t>(absl::ToUnixMicros(cursor.after_followed_at)),
       cursor.after_user_id});
}

absl::StatusOr<FollowListCursor> PageTokenCodec::DecodeFollowList(
    FollowListKind kind, absl::string_view token) const {
  const bool following = kind == FollowListKind::kFollowing;
  absl::StatusOr<std::vector<std::uint64_t>> fields =
      OpenFields(keys_, following ? kFollowingFormat : kFollowersFormat, 3,
                 token, following ? "ListFollowing" : "ListFollowers");
  if (!fields.ok()) return fields.status();
  FollowListCursor cursor;
  cursor.list_user_id = (*fields)[0];
  cursor.after_followed_at =
      absl::FromUnixMicros(static_cast<std::int64_t>((*fields)[1]));
  cursor.after_user_id = (*fields)[2];
  return cursor;
}

std::string PageTokenCodec::EncodeUserTweets(
    const UserTweetsCursor& cursor) const {
  return SealFields(keys_.newest(), kUserTweetsFormat,
                    {cursor.user_id, cursor.before_tweet_id});
}

absl::StatusOr<UserTweetsCursor> PageTokenCodec::DecodeUserTweets(
    absl::string_view token) const {
  absl::StatusOr<std::vector<std::uint64_t>> fields =
      OpenFields(keys_, kUserTweetsFormat, 2, token, "UserTweets");
  if (!fields.ok()) return fields.status();
  return UserTweetsCursor{(*fields)[0], (*fields)[1]};
}

namespace {

// Not 0x02/0x03 (Timeline) nor 'v': the first byte alone tells the kinds
// apart, and the MAC covers it.
constexpr unsigned char kSearchKind = 0x51;
constexpr std::size_t kSearchUserAt = 1 + KeyRing::kIdBytes;
constexpr std::size_t kSearchKeyLengthAt = kSearchUserAt + 8;
constexpr std::size_t kSearchKeyAt = kSearchKeyLengthAt + 2;
// A name key's code points take at most 4 bytes each.
constexpr std::size_t kMaxSearchKeyBytes = kMaxNameKeyCodePoints * 4;

// The MAC of a search token's payload, bound to the query. The payload's
// length field makes the split between payload and query unambiguous.
void SearchTag(const std::string& key, absl::string_view payload,
               absl::string_view query_key,
               unsigned char (&tag)[crypto_auth_hmacsha256_BYTES]) {
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(
      &state, reinterpret_cast<const unsigned char*>(key.data()), key.size());
  crypto_auth_hmacsha256_update(
      &state, reinterpret_cast<const unsigned char*>(payload.data()),
      payload.size());
  crypto_auth_hmacsha256_update(
      &state, reinterpret_cast<const unsigned char*>(query_key.data()),
      query_key.size());
  crypto_auth_hmacsha256_final(&state, tag);
}

}  // namespace

std::string PageTokenCodec::EncodeSearch(const SearchCursor& cursor,
                                         absl::string_view query_key) const {
  const KeyRing::Key& key = keys_.newest();
  std::string token(kSearchKeyAt, '\0');
  token[0] = static_cast<char>(kSearchKind);
  std::copy(key.id.begin(), key.id.end(), token.begin() + 1);
  PutBigEndian(cursor.user_id,
               reinterpret_cast<unsigned char*>(&token[kSearchUserAt]));
  const std::size_t key_bytes =
      std::min(cursor.name_key.size(), kMaxSearchKeyBytes);
  token[kSearchKeyLengthAt] = static_cast<char>((key_bytes >> 8) & 0xFF);
  token[kSearchKeyLengthAt + 1] = static_cast<char>(key_bytes & 0xFF);
  token.append(cursor.name_key, 0, key_bytes);
  unsigned char tag[crypto_auth_hmacsha256_BYTES];
  SearchTag(key.secret, token, query_key, tag);
  token.append(reinterpret_cast<const char*>(tag), kTagBytes);
  return absl::WebSafeBase64Escape(token);
}

absl::StatusOr<SearchCursor> PageTokenCodec::DecodeSearch(
    absl::string_view token, absl::string_view query_key) const {
  const absl::Status invalid = absl::InvalidArgumentError(
      "page_token is not a next_page_token returned by SearchUsers for this "
      "query (it was made for another query, altered, truncated, or signed "
      "with a secret this deployment no longer accepts); send the "
      "next_page_token unchanged with the same query, or no page_token for "
      "the first page");
  // Base64 of the longest token; the limit keeps garbage from being decoded.
  constexpr std::size_t kMaxTokenChars =
      (kSearchKeyAt + kMaxSearchKeyBytes + kTagBytes + 2) / 3 * 4;
  if (token.size() > kMaxTokenChars) return invalid;
  std::string plain;
  if (!absl::WebSafeBase64Unescape(token, &plain)) return invalid;
  if (plain.size() < kSearchKeyAt + kTagBytes ||
      static_cast<unsigned char>(plain[0]) != kSearchKind) {
    return invalid;
  }
  const auto* bytes = reinterpret_cast<const unsigned char*>(plain.data());
  const std::size_t key_bytes = (std::size_t{bytes[kSearchKeyLengthAt]} << 8) |
                                bytes[kSearchKeyLengthAt + 1];
  if (plain.size() != kSearchKeyAt + key_bytes + kTagBytes) return invalid;
  const KeyRing::Key* key =
      keys_.Find(absl::string_view(plain).substr(1, KeyRing::kIdBytes));
  if (key == nullptr) return invalid;
  const absl::string_view payload =
      absl::string_view(plain).substr(0, kSearchKeyAt + key_bytes);
  unsigned char tag[crypto_auth_hmacsha256_BYTES];
  SearchTag(key->secret, payload, query_key, tag);
  if (crypto_verify_16(tag, bytes + payload.size()) != 0) return invalid;
  SearchCursor cursor;
  cursor.user_id = GetBigEndian(bytes + kSearchUserAt);
  cursor.name_key = std::string(payload.substr(kSearchKeyAt));
  if (cursor.user_id == 0) return invalid;
  return cursor;
}

}  // namespace miniter::rules
