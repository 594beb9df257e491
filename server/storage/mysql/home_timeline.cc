// home_timeline.cc: trimming and horizons of home timelines (see the .h).
#include "server/storage/mysql/home_timeline.h"

#include <memory>

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

namespace miniter::storage::mysql {
namespace {

// GREATEST: the horizon only ever rises, so two writers raising it in
// either order leave the higher value.
constexpr const char* kRaiseHorizon =
    "INSERT INTO home_timeline_horizons (owner_id, horizon) VALUES (?, ?) "
    "ON DUPLICATE KEY UPDATE horizon = GREATEST(horizon, VALUES(horizon))";
// The (retention+1)-th newest row: the newest one beyond the bound. A PK
// range walked backwards, retention+1 entries at most.
constexpr const char* kSelectTrimPoint =
    "SELECT tweet_id FROM home_timeline FORCE INDEX (PRIMARY) WHERE owner_id = "
    "? "
    "ORDER BY tweet_id DESC LIMIT 1 OFFSET ?";
constexpr const char* kDeleteUpTo =
    "DELETE FROM home_timeline WHERE owner_id = ? AND tweet_id <= ?";

}  // namespace

void RaiseHorizon(PooledConnection& connection, std::uint64_t owner,
                  std::uint64_t horizon) {
  sql::PreparedStatement& raise = connection.Prepare(kRaiseHorizon);
  raise.setUInt64(1, owner);
  raise.setUInt64(2, horizon);
  raise.executeUpdate();
}

void TrimHomeTimeline(PooledConnection& connection, std::uint64_t owner,
                      int retention) {
  std::uint64_t trim_point = 0;
  {
    sql::PreparedStatement& select = connection.Prepare(kSelectTrimPoint);
    select.setUInt64(1, owner);
    select.setInt(2, retention);
    std::unique_ptr<sql::ResultSet> rows(select.executeQuery());
    if (!rows->next()) return;  // within the bound
    trim_point = rows->getUInt64(1);
  }
  RaiseHorizon(connection, owner, trim_point);
  sql::PreparedStatement& remove = connection.Prepare(kDeleteUpTo);
  remove.setUInt64(1, owner);
  remove.setUInt64(2, trim_point);
  remove.executeUpdate();
}

}  // namespace miniter::storage::mysql
