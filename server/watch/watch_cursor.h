// watch_cursor.h: the opaque, signed position of a WatchTimeline stream,
// handed out as every event's `cursor` and the `resume-cursor` trailer.
//
// A position is not just "the last id sent": tweets commit out of id order
// (ids are assigned at INSERT, the commit comes later), so a tweet with a
// lower id than one already sent can still appear. The position is a floor
// (every timeline tweet with an id at or below it was sent, or predates the
// stream, or was given up with a gap event) plus the ids above the floor
// that were already sent (WatchPosition keeps both; docs/timeline-design.md,
// "Watching a timeline").
//
// Signed (HMAC-SHA256, first 16 bytes) with keys derived from the token
// secrets under their own label, so a watch cursor never verifies as a
// page token nor the reverse, every server of a deployment accepts the
// others' cursors, and they rotate with the token secret. The owner's id
// is signed in, so a cursor is refused on another account's stream.
#ifndef MINITER_SERVER_WATCH_WATCH_CURSOR_H_
#define MINITER_SERVER_WATCH_WATCH_CURSOR_H_

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/rules/key_ring.h"
#include "server/storage/records.h"

namespace miniter::watch {

struct WatchCursor {
  storage::UserId owner = 0;
  storage::TweetId floor = 0;
  // Ids above `floor` already sent, ascending, at most kMaxSentAboveFloor.
  std::vector<storage::TweetId> sent_above_floor;
};

// The purpose the cursor key is derived for (TokenService::DeriveKeys).
inline constexpr char kWatchCursorKeyLabel[] = "miniter watch cursor v1";

// Thread-safe (immutable).
class WatchCursorCodec {
 public:
  static constexpr std::size_t kMinKeyBytes = 32;
  // Bounds the cursor's length (about 1.5 KB of base64 at most, fine for a
  // trailer) and what a decoded cursor can make a stream hold.
  static constexpr std::size_t kMaxSentAboveFloor = 256;

  // `keys` newest (signing) first. INVALID_ARGUMENT when one is shorter
  // than kMinKeyBytes.
  static absl::StatusOr<WatchCursorCodec> Create(rules::KeyRing keys);
  // With a random key (tests, and servers built without a token service).
  static WatchCursorCodec WithRandomKey();

  // URL-safe base64 of: 'W', the newest key's id, owner and floor (8 bytes
  // each, big-endian), the count of sent ids and each one's distance from
  // the previous one (the first from the floor) as varints, then the tag.
  // `cursor.sent_above_floor` must be ascending, above the floor and at
  // most kMaxSentAboveFloor long (WatchPosition keeps it so).
  std::string Encode(const WatchCursor& cursor) const;

  // The cursor in `token` if this deployment signed it for `owner`;
  // INVALID_ARGUMENT otherwise (altered, truncated, another account's, a
  // page token, or signed with a retired secret).
  absl::StatusOr<WatchCursor> Decode(absl::string_view token,
                                     storage::UserId owner) const;

 private:
  explicit WatchCursorCodec(rules::KeyRing keys) : keys_(std::move(keys)) {}

  rules::KeyRing keys_;
};

}  // namespace miniter::watch

#endif  // MINITER_SERVER_WATCH_WATCH_CURSOR_H_
