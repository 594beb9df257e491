// home_timeline_tier.h: the storage interface of the shared memory tier that
// holds each active owner's home timeline (newest tweet ids) in front of the
// database, so that a Timeline page needs no database round trip.
//
// The tier is a cache: the database stays the only durable truth, every
// entry is rebuilt from it, and any entry may vanish at any time (eviction,
// flush, restart). docs/timeline-design.md ("Memory tier") explains the
// protocol; server/storage/redis/ implements it on Redis.
#ifndef MINITER_SERVER_STORAGE_HOME_TIMELINE_TIER_H_
#define MINITER_SERVER_STORAGE_HOME_TIMELINE_TIER_H_

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "server/storage/records.h"

namespace miniter::storage {

// What a rebuild read from the database for one owner: the same three
// things the database read path starts from (docs/timeline-design.md).
struct TierSnapshot {
  // Home rows are complete only above this id; older ids come from the
  // direct (fallback) query.
  TweetId horizon = 0;
  // The entry holds every home id above this one (>= horizon): the
  // horizon when the snapshot held all home rows above it, else the id
  // just below the oldest one it holds.
  TweetId floor = 0;
  // Followees merged at read: their tweets are not fanned out, so readers
  // merge them from the merged-author cache.
  std::vector<UserId> merged_followees;
  // Home ids above `floor`, any order.
  std::vector<TweetId> ids;
};

// One read of an owner's entry: its meta data and the ids of one range.
struct TierPage {
  TweetId horizon = 0;
  TweetId floor = 0;
  std::vector<UserId> merged_followees;
  // Ids in (floor, before), newest first, at most the limit asked for.
  std::vector<TweetId> ids;
};

// Thread-safe. Every method may fail UNAVAILABLE (tier down, slow or
// unreachable); callers then use the database alone and must not assume
// anything about what the call changed.
class HomeTimelineTier {
 public:
  virtual ~HomeTimelineTier() = default;

  // False while the tier is known to be down or its missed writes are not
  // yet repaired: callers skip it (reads go to the database, writes leave
  // their repair to the outbox). Cheap; no round trip.
  virtual bool Usable() const = 0;

  // True when writers should apply their writes to the tier themselves:
  // while it is usable, and also while a repair runs (Redis answers, the
  // outbox is being applied). A writer that sees false leaves its write to
  // the outbox, and then the repair that makes the tier usable is sure to
  // apply it: it began after that write's commit. Cheap; no round trip.
  virtual bool Writable() const = 0;

  // The entry of `owner`: ids below `before` (0: no bound), newest first,
  // at most `limit`. nullopt when there is no complete entry (a miss).
  virtual absl::StatusOr<std::optional<TierPage>> Read(UserId owner,
                                                       TweetId before,
                                                       int limit) = 0;

  // Starts a rebuild of `owner`'s entry and returns its token; must be
  // called before the snapshot is read from the database. An entry
  // invalidated after this call refuses the snapshot (FinishBuild), so a
  // snapshot older than a Follow or Unfollow is never installed; tweets
  // added after this call are kept alongside the snapshot.
  virtual absl::StatusOr<std::string> BeginBuild(UserId owner) = 0;

  // Installs `snapshot` as `owner`'s entry if the build `token` is still
  // pending (not invalidated, not evicted) and no other build completed
  // first. OK whether or not it was installed.
  virtual absl::Status FinishBuild(UserId owner, const std::string& token,
                                   const TierSnapshot& snapshot) = 0;

  // Adds `tweet` to the entries of `owners` that exist (complete or being
  // built); owners without an entry are skipped (their rebuild reads the
  // tweet from the database). Idempotent.
  virtual absl::Status AddTweet(const std::vector<UserId>& owners,
                                TweetId tweet) = 0;

  // Drops the entries of `owners` (and any rebuild in progress). Idempotent.
  virtual absl::Status Invalidate(const std::vector<UserId>& owners) = 0;

  // `hook` runs whenever the tier comes back after being unusable (and at
  // start-up), before it is usable again: it re-applies the writes that
  // were missed meanwhile (the outbox). The tier stays unusable until the
  // hook returns OK. Replaces any earlier hook; null removes it.
  virtual void SetRepairHook(std::function<absl::Status()> hook) = 0;
};

}  // namespace miniter::storage

#endif  // MINITER_SERVER_STORAGE_HOME_TIMELINE_TIER_H_
