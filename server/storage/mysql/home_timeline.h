// home_timeline.h: maintenance of one owner's materialized home timeline
// (trimming to the retention bound, raising the completeness horizon),
// shared by the tweet and follow stores. Schema: sql/migrations/0002.
#ifndef MINITER_SERVER_STORAGE_MYSQL_HOME_TIMELINE_H_
#define MINITER_SERVER_STORAGE_MYSQL_HOME_TIMELINE_H_

#include <cstdint>

#include "server/storage/mysql/pooled_connection.h"

namespace miniter::storage::mysql {

// Raises `owner`'s horizon to `horizon` unless it is already higher: home
// rows are then trusted only above it, and reads serve ids at or below it
// from the direct query. Runs inside the caller's transaction; throws
// sql::SQLException like any query.
void RaiseHorizon(PooledConnection& connection, std::uint64_t owner,
                  std::uint64_t horizon);

// Keeps `owner`'s newest `retention` home rows: when there are more, raises
// the horizon to the newest row beyond the bound and deletes that row and
// everything older, in that order inside the caller's transaction (a
// concurrent reader sees either the old rows and old horizon, or the new
// horizon, never a gap). Costs one index range of `retention` entries, so
// callers call it only on a fraction of writes (TimelineOptions).
void TrimHomeTimeline(PooledConnection& connection, std::uint64_t owner,
                      int retention);

}  // namespace miniter::storage::mysql

#endif  // MINITER_SERVER_STORAGE_MYSQL_HOME_TIMELINE_H_
