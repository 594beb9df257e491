// timeline_queries.cc: the SQL of a home-timeline read (see the header).
#include "server/storage/mysql/timeline_queries.h"

#include <algorithm>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>

#include <cppconn/prepared_statement.h>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "server/storage/mysql/query_runner.h"

namespace miniter::storage::mysql {
namespace {

// The first column of the sources statements says what each row is.
enum SourceKind : int {
  kHorizonRow = 0,         // id: the owner's horizon
  kMergedFolloweeRow = 1,  // id: a followee merged at read
  kHomeTweetRow = 2,       // id: a home tweet id
  kOwnerExistsRow = 3,     // id: the owner (the tier snapshot checks it)
};

// One statement, so one READ COMMITTED snapshot: the owner's horizon, the
// followees merged at read, and the owner's newest home rows below the
// cursor. Reading the horizon and the rows together matters: a trim that
// commits in between would otherwise delete rows above the horizon we
// read. Home rows at or below the horizon (left over from a raise) are
// dropped by the caller; fetching without that bound keeps the range
// read at `limit` entries. FORCE INDEX (PRIMARY): the primary key is
// already in the order we want; the hint keeps it so if an index is ever
// added that the optimizer could prefer and then filesort.
#define MINITER_SQL_HORIZON_AND_MERGED_FOLLOWEES                \
  "SELECT 0 AS kind, horizon AS id FROM home_timeline_horizons" \
  " WHERE owner_id = ?"                                         \
  " UNION ALL"                                                  \
  " SELECT 1, f.followee_id FROM follows f"                     \
  " JOIN author_fanout a ON a.user_id = f.followee_id"          \
  " WHERE f.follower_id = ? AND a.merged_at_read = 1"
constexpr const char* kSelectTimelineSources =
    MINITER_SQL_HORIZON_AND_MERGED_FOLLOWEES
    " UNION ALL"
    " (SELECT 2, tweet_id FROM home_timeline FORCE INDEX (PRIMARY)"
    "  WHERE owner_id = ? AND tweet_id < ?"
    "  ORDER BY tweet_id DESC LIMIT ?)";
// What the memory tier's entry of an owner is built from: the same
// sources, with the owner's newest `retention` home rows, and whether the
// owner exists (an entry is never built for an unknown user). One
// statement, one snapshot, for the reason given above.
constexpr const char* kSelectTierSnapshot =
    MINITER_SQL_HORIZON_AND_MERGED_FOLLOWEES
    " UNION ALL"
    " SELECT 3, id FROM users WHERE id = ?"
    " UNION ALL"
    " (SELECT 2, tweet_id FROM home_timeline FORCE INDEX (PRIMARY)"
    "  WHERE owner_id = ? ORDER BY tweet_id DESC LIMIT ?)";

const std::string& SelectMergedTweetsSql() {
  static const std::string* const sql = [] {
    std::vector<std::string> parts(
        kMergedSlots,
        "(SELECT id FROM tweets WHERE user_id = ? AND id < ? AND id > ?"
        " ORDER BY id DESC LIMIT ?)");
    return new std::string(absl::StrJoin(parts, " UNION ALL "));
  }();
  return *sql;
}

// Loads merged authors into MergedAuthorCache, kMergedSlots per statement:
// each author's newest ids_per_author + 1 ids (the extra one says whether
// there are older ones), one backwards (user_id, id) range each, covering.
// Reloading the newest ids rather than only those above the newest cached
// one also picks up a tweet that committed after a newer id was read (ids
// are allocated at insert, not at commit).
const std::string& SelectNewestAuthorTweetsSql() {
  static const std::string* const sql = [] {
    std::vector<std::string> parts(
        kMergedSlots,
        "(SELECT user_id, id FROM tweets WHERE user_id = ?"
        " ORDER BY id DESC LIMIT ?)");
    return new std::string(absl::StrJoin(parts, " UNION ALL "));
  }();
  return *sql;
}

// Ids at or below the horizon: the direct query (a derived table of
// authors, one (user_id, id) range each, then a sort of those rows; this is
// the cost the home rows avoid for recent pages).
constexpr const char* kSelectFallbackIds =
    "SELECT t.id FROM (SELECT ? AS user_id"
    " UNION SELECT followee_id FROM follows WHERE follower_id = ?) a"
    " JOIN tweets t ON t.user_id = a.user_id AND t.id < ?"
    " ORDER BY t.id DESC LIMIT ?";

// Text, author and time of the page's tweets by primary key. The id list is
// padded with 0 (no such tweet) to a power of two, so a handful of
// statement texts serve every page size.
constexpr std::size_t kMinIdSlots = 8;
constexpr std::size_t kMaxIdSlots = 128;
const std::string& SelectTweetsByIdSql(std::size_t slots) {
  static const auto* const sqls = [] {
    auto* m = new std::unordered_map<std::size_t, std::string>();
    for (std::size_t n = kMinIdSlots; n <= kMaxIdSlots; n *= 2) {
      std::vector<std::string> marks(n, "?");
      (*m)[n] = absl::StrCat(
          "SELECT t.id, t.user_id, u.name, t.text, ",
          MINITER_SQL_UNIX_MICROS("t.created_at"),
          " FROM tweets t JOIN users u ON u.id = t.user_id WHERE t.id IN (",
          absl::StrJoin(marks, ","), ")");
    }
    return m;
  }();
  return sqls->at(slots);
}

}  // namespace

TweetRecord ReadTweetRow(sql::ResultSet& rows) {
  TweetRecord tweet;
  tweet.id = rows.getUInt64(1);
  tweet.author_id = rows.getUInt64(2);
  tweet.author_name = rows.getString(3);
  tweet.text = rows.getString(4);
  tweet.created_at = TimeFromUnixMicros(rows.getInt64(5));
  return tweet;
}

TimelineSources ReadTimelineSources(PooledConnection& connection, UserId owner,
                                    TweetId before, int limit) {
  TimelineSources sources;
  sql::PreparedStatement& select = connection.Prepare(kSelectTimelineSources);
  select.setUInt64(1, owner);
  select.setUInt64(2, owner);
  select.setUInt64(3, owner);
  select.setUInt64(4, before);
  select.setInt(5, limit);
  std::unique_ptr<sql::ResultSet> rows(select.executeQuery());
  while (rows->next()) {
    const std::uint64_t id = rows->getUInt64(2);
    switch (rows->getInt(1)) {
      case kHorizonRow: sources.horizon = id; break;
      case kMergedFolloweeRow: sources.merged_followees.push_back(id); break;
      case kHomeTweetRow: sources.home_ids.push_back(id); break;
      default: break;
    }
  }
  return sources;
}

void FetchTweets(PooledConnection& connection, const std::vector<TweetId>& ids,
                 TweetRecordCache* cache, std::vector<TweetRecord>& out) {
  std::vector<TweetRecord> cached;
  std::vector<bool> hit;
  std::vector<TweetId> missing;
  if (cache != nullptr && cache->Lookup(ids, cached, hit) == ids.size()) {
    out = std::move(cached);
    return;
  }
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (cache == nullptr || !hit[i]) missing.push_back(ids[i]);
  }
  std::unordered_map<TweetId, TweetRecord> found;
  for (std::size_t begin = 0; begin < missing.size(); begin += kMaxIdSlots) {
    const std::size_t count = std::min(kMaxIdSlots, missing.size() - begin);
    std::size_t slots = kMinIdSlots;
    while (slots < count) slots *= 2;
    sql::PreparedStatement& select =
        connection.Prepare(SelectTweetsByIdSql(slots));
    for (std::size_t i = 0; i < slots; ++i) {
      select.setUInt64(static_cast<unsigned int>(i + 1),
                       i < count ? missing[begin + i] : 0);
    }
    std::unique_ptr<sql::ResultSet> rows(select.executeQuery());
    while (rows->next()) {
      TweetRecord tweet = ReadTweetRow(*rows);
      found.emplace(tweet.id, std::move(tweet));
    }
  }
  if (cache != nullptr && !found.empty()) {
    std::vector<TweetRecord> fetched;
    fetched.reserve(found.size());
    for (const auto& [id, tweet] : found) fetched.push_back(tweet);
    cache->Insert(fetched);
  }
  out.reserve(ids.size());
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (cache != nullptr && hit[i]) {
      out.push_back(std::move(cached[i]));
      continue;
    }
    auto it = found.find(ids[i]);
    // Tweets are never deleted and home rows commit with their tweet, so
    // every id is found; skipping is only the safe answer to a bug.
    if (it != found.end()) out.push_back(std::move(it->second));
  }
}

void KeepNewestUnique(std::vector<TweetId>& ids, std::size_t limit) {
  // The newest `limit` distinct ids are among the newest `limit` + d
  // elements, d being the duplicates among those (rare: a merged author's
  // tweets that also have home rows from before the crossing). Select
  // twice the page first; only if duplicates ate into it sort everything.
  const std::size_t candidates = 2 * limit;
  if (ids.size() > candidates + 16) {
    // Permutes `ids` but keeps every element, for the full sort below.
    std::nth_element(ids.begin(), ids.begin() + (candidates - 1), ids.end(),
                     std::greater<TweetId>());
    std::vector<TweetId> newest(ids.begin(), ids.begin() + candidates);
    SortNewestFirstUnique(newest);
    if (newest.size() >= limit) {
      newest.resize(limit);
      ids = std::move(newest);
      return;
    }
  }
  SortNewestFirstUnique(ids);
  if (ids.size() > limit) ids.resize(limit);
}

void SortNewestFirstUnique(std::vector<TweetId>& ids) {
  std::sort(ids.begin(), ids.end(), std::greater<TweetId>());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
}

void ReadMergedFromSql(PooledConnection& connection,
                       const std::vector<UserId>& authors, TweetId before,
                       TweetId lower, int limit, std::vector<TweetId>& ids) {
  for (std::size_t begin = 0; begin < authors.size(); begin += kMergedSlots) {
    sql::PreparedStatement& select =
        connection.Prepare(SelectMergedTweetsSql());
    for (int slot = 0; slot < kMergedSlots; ++slot) {
      const std::size_t i = begin + static_cast<std::size_t>(slot);
      const unsigned int p = static_cast<unsigned int>(slot * 4);
      select.setUInt64(p + 1, i < authors.size() ? authors[i] : 0);
      select.setUInt64(p + 2, before);
      select.setUInt64(p + 3, lower);
      select.setInt(p + 4, limit);
    }
    std::unique_ptr<sql::ResultSet> rows(select.executeQuery());
    while (rows->next()) ids.push_back(rows->getUInt64(1));
  }
}

void LoadIntoCache(PooledConnection& connection,
                   const std::vector<UserId>& authors, MergedAuthorCache& cache,
                   absl::Time started) {
  const int per_author = static_cast<int>(cache.ids_per_author()) + 1;
  for (std::size_t begin = 0; begin < authors.size(); begin += kMergedSlots) {
    const std::size_t end = std::min(
        authors.size(), begin + static_cast<std::size_t>(kMergedSlots));
    sql::PreparedStatement& select =
        connection.Prepare(SelectNewestAuthorTweetsSql());
    for (int slot = 0; slot < kMergedSlots; ++slot) {
      const std::size_t i = begin + static_cast<std::size_t>(slot);
      const unsigned int p = static_cast<unsigned int>(slot * 2);
      select.setUInt64(p + 1, i < end ? authors[i] : 0);
      select.setInt(p + 2, per_author);
    }
    std::unordered_map<UserId, std::vector<TweetId>> newest;
    for (std::size_t i = begin; i < end; ++i) newest[authors[i]];
    std::unique_ptr<sql::ResultSet> rows(select.executeQuery());
    while (rows->next()) {
      auto it = newest.find(rows->getUInt64(1));
      if (it != newest.end()) it->second.push_back(rows->getUInt64(2));
    }
    // An author with no rows is stored too: "no tweets" is worth caching.
    for (auto& [author, ids] : newest) cache.Store(author, ids, started);
  }
}

absl::Status ReadTierSnapshot(PooledConnection& connection, UserId owner,
                              int retention, TierSnapshot& snapshot) {
  snapshot = TierSnapshot();
  sql::PreparedStatement& select = connection.Prepare(kSelectTierSnapshot);
  select.setUInt64(1, owner);
  select.setUInt64(2, owner);
  select.setUInt64(3, owner);
  select.setUInt64(4, owner);
  select.setInt(5, retention);
  std::unique_ptr<sql::ResultSet> rows(select.executeQuery());
  bool exists = false;
  int home_rows = 0;
  TweetId oldest = 0;
  std::vector<TweetId> home;
  while (rows->next()) {
    const std::uint64_t id = rows->getUInt64(2);
    switch (rows->getInt(1)) {
      case kHorizonRow: snapshot.horizon = id; break;
      case kMergedFolloweeRow: snapshot.merged_followees.push_back(id); break;
      case kOwnerExistsRow: exists = true; break;
      case kHomeTweetRow:
        ++home_rows;
        oldest = home_rows == 1 ? id : std::min(oldest, id);
        home.push_back(id);
        break;
      default: break;
    }
  }
  if (!exists) return absl::NotFoundError("no such user");
  // With `retention` rows there may be older ones: the entry is complete
  // only from the oldest row read on (ids are integers, so "above
  // oldest - 1" is "from oldest on").
  snapshot.floor = snapshot.horizon;
  if (home_rows >= retention && oldest > 0) {
    snapshot.floor = std::max(snapshot.horizon, oldest - 1);
  }
  for (TweetId id : home) {
    if (id > snapshot.floor) snapshot.ids.push_back(id);
  }
  return absl::OkStatus();
}

TierPage PageFromSnapshot(const TierSnapshot& snapshot, TweetId before,
                          std::size_t limit) {
  TierPage page;
  page.horizon = snapshot.horizon;
  page.floor = snapshot.floor;
  page.merged_followees = snapshot.merged_followees;
  for (TweetId id : snapshot.ids) {
    if (id < before) page.ids.push_back(id);
  }
  SortNewestFirstUnique(page.ids);
  if (page.ids.size() > limit) page.ids.resize(limit);
  return page;
}

void ReadFallbackIds(PooledConnection& connection, UserId owner, TweetId before,
                     TweetId horizon, std::size_t count,
                     std::vector<TweetId>& ids) {
  sql::PreparedStatement& select = connection.Prepare(kSelectFallbackIds);
  select.setUInt64(1, owner);
  select.setUInt64(2, owner);
  select.setUInt64(3, std::min(before, horizon + 1));
  select.setInt(4, static_cast<int>(count));
  std::unique_ptr<sql::ResultSet> rows(select.executeQuery());
  while (rows->next()) ids.push_back(rows->getUInt64(1));
}

}  // namespace miniter::storage::mysql
