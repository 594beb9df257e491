// timeline_options.h: the knobs of the home-timeline design (fan-out on
// write, bounded, hot accounts merged at read), in one place with their
// production defaults. docs/timeline-design.md explains the design.
#ifndef MINITER_SERVER_STORAGE_MYSQL_TIMELINE_OPTIONS_H_
#define MINITER_SERVER_STORAGE_MYSQL_TIMELINE_OPTIONS_H_

#include <cstdint>
#include <functional>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace miniter::storage {

struct TimelineOptions {
  // An author whose follower count reaches this is "merged at read" from
  // then on (sticky): their tweets are no longer copied into followers'
  // home timelines but read from the tweets index when a follower reads.
  // Caps the rows one tweet writes at fanout_threshold (author's own row
  // + fewer than fanout_threshold followers), so a tweet stays one short
  // transaction (p99 target 50 ms) however popular its author becomes.
  int fanout_threshold = 1000;

  // Home-timeline rows kept per owner. 800 rows of 24 bytes is 16 pages of
  // 50 tweets; older pages are served by the direct indexed query, so this
  // bounds storage (owners x retention) without losing any tweet.
  int retention = 800;

  // On Follow, the followee's newest tweets copied into the follower's home
  // timeline. Older ones are reached through the fallback query (the
  // follower's completeness horizon is raised above them).
  int follow_backfill_depth = 200;

  // Trimming is amortised: each row written into a home timeline gives its
  // owner a 1-in-trim_one_in chance of being trimmed back to `retention`
  // in the same transaction (Follow backfills always trim). The expected
  // overshoot is trim_one_in rows; exceeding retention by k*trim_one_in
  // has probability about e^-k. 1 trims on every write (tests).
  int trim_one_in = 64;

  // MySqlBulkLoader::FinishLoad materializes each owner's newest
  // min(bulk_load_depth, retention) rows; older pages use the fallback until
  // new tweets push them out. Loading is dominated by rows written (a
  // `medium` data set has ~15M candidate rows at depth 800), and a reader
  // rarely pages past four pages of 50.
  int bulk_load_depth = 200;

  // The in-process cache of merged-at-read authors' newest tweet ids
  // (MergedAuthorCache), which replaces the per-page index reads of those
  // authors while a page stays within the cached ids.
  // Ids kept per author: 256 is five pages of 50; deeper pages read SQL.
  // 0 disables the cache (every page reads the tweets index, as before).
  int merged_cache_ids_per_author = 256;
  // Authors kept (least recently used evicted): 4,096 x 256 ids x 8 bytes
  // is 8 MB of ids at most.
  int merged_cache_max_authors = 4096;
  // An entry older than this is reloaded before use: the bound on how late
  // a merged author's tweet written through another server shows up here
  // (tweets written through this server show up at once).
  absl::Duration merged_cache_staleness = absl::Seconds(1);

  // Whether a background thread reloads merged-author entries from a
  // quarter of the staleness bound on, so readers find them fresh. Off,
  // readers reload what they find due themselves (refresh ahead by claim).
  bool merged_cache_background_refresh = true;

  // The in-process cache of hydrated tweets (TweetRecordCache): a timeline
  // page reads text, author name and time of cached tweets from memory and
  // fetches only the others by primary key. Safe without invalidation
  // because a stored tweet never changes. Bounded by estimated bytes:
  // 32 MiB is ~130k tweets of ~100 characters; 0 disables it.
  std::int64_t tweet_cache_bytes = std::int64_t{32} << 20;

  // The clock the caches are aged by. Tests pass a fake one to age the
  // merged-author cache without sleeping.
  std::function<absl::Time()> now = [] { return absl::Now(); };
};

}  // namespace miniter::storage

#endif  // MINITER_SERVER_STORAGE_MYSQL_TIMELINE_OPTIONS_H_
