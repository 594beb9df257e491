// mysql_tweet_store.cc: tweets, their fan-out into home timelines, and the
// timeline read that merges home rows, hot authors and the fallback query.
// docs/timeline-design.md explains the design; this file the SQL.
#include "server/storage/mysql/mysql_tweet_store.h"

#include <algorithm>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>

#include <cppconn/exception.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include "absl/random/random.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "server/storage/mysql/home_timeline.h"
#include "server/storage/mysql/query_runner.h"
#include "server/storage/mysql/transaction_guard.h"

namespace miniter::storage::mysql {
namespace {

// ---- Write path ------------------------------------------------------------

// RETURNING (MariaDB 10.5+) hands back the id and the stored time in the
// insert's own round trip; the author's name comes with the merged flag.
constexpr const char* kInsertTweet =
    "INSERT INTO tweets (user_id, text, created_at) "
    "VALUES (?, ?, UTC_TIMESTAMP(6)) "
    "RETURNING id, text, " MINITER_SQL_UNIX_MICROS("created_at");
// Request ids (sql/migrations/0003_tweet_request_ids.sql): a retried
// Tweet finds the tweet its first attempt stored.
constexpr const char* kSelectTweetByRequestId =
    "SELECT t.id, t.user_id, u.name, t.text, "
    MINITER_SQL_UNIX_MICROS("t.created_at")
    " FROM tweet_request_ids r JOIN tweets t ON t.id = r.tweet_id"
    " JOIN users u ON u.id = t.user_id"
    " WHERE r.user_id = ? AND r.request_id = ?";
constexpr const char* kInsertRequestId =
    "INSERT INTO tweet_request_ids (user_id, request_id, tweet_id) "
    "VALUES (?, ?, ?)";
constexpr int kDuplicateKeyError = 1062;

// The merged flag is sticky, so a plain read that says "merged" is final
// and takes no lock; that keeps a hot author's tweets from queueing behind
// follows of them. "Not merged" must be re-read under a shared lock. The
// author's name rides along (names never change, and the user row exists:
// the tweet's foreign key was just checked).
constexpr const char* kSelectAuthorNameAndMerged =
    "SELECT u.name, f.merged_at_read FROM users u "
    "LEFT JOIN author_fanout f ON f.user_id = u.id WHERE u.id = ?";
// The shared lock orders this tweet's fan-out against Follow and Unfollow
// of the author, which update the same row exclusively before touching
// home rows: either they commit first and the fan-out (a fresh READ
// COMMITTED read of follows) sees their edge, or this commits first and
// their backfill/delete sees this tweet.
constexpr const char* kSelectMergedForShare =
    "SELECT merged_at_read FROM author_fanout WHERE user_id = ? "
    "LOCK IN SHARE MODE";
// Authors get their row with their first follow or tweet; a locking read
// of a missing row locks nothing under READ COMMITTED, so create it (the
// insert's own lock then does the ordering).
constexpr const char* kCreateAuthorFanout =
    "INSERT IGNORE INTO author_fanout (user_id, follower_count, "
    "merged_at_read) VALUES (?, 0, 0)";
// The author's own row is written even when they are merged at read, so
// read-your-writes holds from the moment the tweet commits.
constexpr const char* kInsertOwnHomeRow =
    "INSERT INTO home_timeline (owner_id, tweet_id, author_id) "
    "VALUES (?, ?, ?)";
// One statement for the author's own row and all followers' (an index
// range on ix_follows_followee_follower, fewer than fanout_threshold rows).
// RETURNING lists the owners that got a row, from which the server picks
// the ones to trim, without reading the follow list a second time.
constexpr const char* kFanOut =
    "INSERT INTO home_timeline (owner_id, tweet_id, author_id) "
    "SELECT ?, ?, ? UNION ALL "
    "SELECT follower_id, ?, ? FROM follows WHERE followee_id = ? "
    "RETURNING owner_id";

// ---- Read path -------------------------------------------------------------

// One statement, so one READ COMMITTED snapshot: the owner's horizon, the
// followees merged at read, and the owner's newest home rows below the
// cursor. Reading the horizon and the rows together matters: a trim that
// commits in between would otherwise delete rows above the horizon we
// read. Home rows at or below the horizon (left over from a raise) are
// dropped by the caller; fetching without that bound keeps the range
// read at `limit` entries. FORCE INDEX (PRIMARY): the primary key is
// already in the order we want; the hint keeps it so if an index is ever
// added that the optimizer could prefer and then filesort.
// The first column says what each row is (SourceKind).
enum SourceKind : int {
  kHorizonRow = 0,       // id: the owner's horizon
  kMergedFolloweeRow = 1,  // id: a followee merged at read
  kHomeTweetRow = 2,     // id: a home tweet id
  kOwnerExistsRow = 3,   // id: the owner (the tier snapshot checks it)
};
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

// Merged authors are read this many per statement, each through its own
// (user_id, id) index range with its own LIMIT, so a statement reads at
// most kMergedSlots * limit entries; unused slots get author 0 (no rows).
constexpr int kMergedSlots = 16;
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

TweetRecord ReadTweetRow(sql::ResultSet& rows) {
  TweetRecord tweet;
  tweet.id = rows.getUInt64(1);
  tweet.author_id = rows.getUInt64(2);
  tweet.author_name = rows.getString(3);
  tweet.text = rows.getString(4);
  tweet.created_at = TimeFromUnixMicros(rows.getInt64(5));
  return tweet;
}

struct AuthorForFanOut {
  std::string name;
  bool merged = false;
};

// The author's name, and whether they are merged at read, holding the lock
// that orders this transaction's fan-out against follows and unfollows of
// `author` unless the answer is "merged" (final, needs no lock).
AuthorForFanOut ReadAuthorForFanOut(PooledConnection& connection,
                                    UserId author) {
  AuthorForFanOut result;
  {
    sql::PreparedStatement& plain =
        connection.Prepare(kSelectAuthorNameAndMerged);
    plain.setUInt64(1, author);
    std::unique_ptr<sql::ResultSet> rows(plain.executeQuery());
    if (rows->next()) {
      result.name = rows->getString(1);
      if (!rows->isNull(2) && rows->getInt(2) != 0) {
        result.merged = true;
        return result;
      }
    }
  }
  for (int attempt = 0; attempt < 2; ++attempt) {
    sql::PreparedStatement& locked = connection.Prepare(kSelectMergedForShare);
    locked.setUInt64(1, author);
    std::unique_ptr<sql::ResultSet> rows(locked.executeQuery());
    if (rows->next()) {
      result.merged = rows->getInt(1) != 0;
      return result;
    }
    sql::PreparedStatement& create = connection.Prepare(kCreateAuthorFanout);
    create.setUInt64(1, author);
    create.executeUpdate();
  }
  return result;  // not reached: the row exists after the insert
}

// Fills `out` (newest first) with the full records of `ids` (newest first):
// from `cache` when it has them (null: no cache), the rest by primary key,
// which are then cached. Only misses cost a statement.
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

void SortNewestFirstUnique(std::vector<TweetId>& ids) {
  std::sort(ids.begin(), ids.end(), std::greater<TweetId>());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
}

// Appends the ids of `authors` in (lower, before), at most `limit` each,
// read from the tweets index.
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

// Reads the newest ids of `authors` and stores them in `cache`, stamped
// with `started` (taken before the read, so the staleness bound holds).
void LoadIntoCache(PooledConnection& connection,
                   const std::vector<UserId>& authors,
                   MergedAuthorCache& cache, absl::Time started) {
  const int per_author = static_cast<int>(cache.ids_per_author()) + 1;
  for (std::size_t begin = 0; begin < authors.size(); begin += kMergedSlots) {
    const std::size_t end =
        std::min(authors.size(), begin + static_cast<std::size_t>(kMergedSlots));
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

// Reads what the memory tier's entry of `owner` is built from.
// NOT_FOUND when the owner does not exist.
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

// The page a fresh snapshot gives: its ids below `before`, newest first.
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

// Appends up to `count` ids at or below `horizon` and below `before` from
// the direct query (step 4 of the read path).
void ReadFallbackIds(PooledConnection& connection, UserId owner,
                     TweetId before, TweetId horizon, std::size_t count,
                     std::vector<TweetId>& ids) {
  sql::PreparedStatement& select = connection.Prepare(kSelectFallbackIds);
  select.setUInt64(1, owner);
  select.setUInt64(2, owner);
  select.setUInt64(3, std::min(before, horizon + 1));
  select.setInt(4, static_cast<int>(count));
  std::unique_ptr<sql::ResultSet> rows(select.executeQuery());
  while (rows->next()) ids.push_back(rows->getUInt64(1));
}

}  // namespace

MySqlTweetStore::MySqlTweetStore(std::shared_ptr<ConnectionPool> pool,
                                 absl::Duration acquire_timeout,
                                 TimelineOptions timeline,
                                 std::shared_ptr<TierOutbox> outbox)
    : pool_(std::move(pool)),
      acquire_timeout_(acquire_timeout),
      timeline_(timeline),
      outbox_(std::move(outbox)) {
  if (timeline_.merged_cache_ids_per_author > 0) {
    merged_cache_ = std::make_unique<MergedAuthorCache>(
        static_cast<std::size_t>(std::max(1, timeline_.merged_cache_max_authors)),
        static_cast<std::size_t>(timeline_.merged_cache_ids_per_author),
        timeline_.merged_cache_staleness);
  }
  if (timeline_.tweet_cache_bytes > 0) {
    tweet_cache_ = std::make_unique<TweetRecordCache>(
        static_cast<std::size_t>(timeline_.tweet_cache_bytes));
  }
  if (merged_cache_ != nullptr && timeline_.merged_cache_background_refresh &&
      timeline_.merged_cache_staleness > absl::ZeroDuration()) {
    refresher_ = std::thread([this] { RefreshMergedAuthors(); });
  }
}

MySqlTweetStore::~MySqlTweetStore() {
  stop_refresher_.Notify();
  if (refresher_.joinable()) refresher_.join();
}

void MySqlTweetStore::RefreshMergedAuthors() {
  // Every quarter of the bound, reload the entries older than a quarter:
  // an entry is then at most about half the bound old when a reader meets
  // it, before readers would claim it themselves (ClaimDue, at half). A
  // failed load leaves the entries to go stale and be reloaded by readers;
  // the next round tries again.
  const absl::Duration staleness = merged_cache_->staleness();
  const absl::Duration period =
      std::max(staleness / 4, absl::Milliseconds(10));
  while (!stop_refresher_.WaitForNotificationWithTimeout(period)) {
    const absl::Time now = absl::Now();
    std::vector<UserId> due;
    merged_cache_->ClaimOlderThan(now, staleness / 4,
                                  std::numeric_limits<std::size_t>::max(), due);
    if (due.empty()) continue;
    const absl::Status loaded = RunWithRetry(
        *pool_, acquire_timeout_, "RefreshMergedAuthors",
        [&](PooledConnection& connection) {
          LoadIntoCache(connection, due, *merged_cache_, now);
          return absl::OkStatus();
        });
    (void)loaded;  // unexpected errors are logged by MapSqlError
  }
}

absl::StatusOr<TweetRecord> MySqlTweetStore::CreateTweet(
    UserId author_id, std::string_view text, std::string_view request_id) {
  TweetRecord tweet;
  bool merged = false;
  // The owners whose home timeline got the tweet, and the outbox row that
  // carries it to the memory tier (0: none).
  std::vector<UserId> owners;
  std::uint64_t outbox_row = 0;
  absl::Status status = RunWithRetry(
      *pool_, acquire_timeout_, "CreateTweet",
      [&](PooledConnection& connection) -> absl::Status {
        owners.clear();  // a retried attempt starts over
        outbox_row = 0;
        if (!request_id.empty()) {
          // A retry of a tweet already stored: return it, write nothing.
          sql::PreparedStatement& find =
              connection.Prepare(kSelectTweetByRequestId);
          find.setUInt64(1, author_id);
          find.setString(2, std::string(request_id));
          std::unique_ptr<sql::ResultSet> rows(find.executeQuery());
          if (rows->next()) {
            tweet = ReadTweetRow(*rows);
            merged = false;  // nothing new for the cache
            return absl::OkStatus();
          }
        }
        TransactionGuard transaction(connection);
        {
          sql::PreparedStatement& insert = connection.Prepare(kInsertTweet);
          insert.setUInt64(1, author_id);
          insert.setString(2, std::string(text));
          // Unknown author: FK error 1452, NOT_FOUND.
          std::unique_ptr<sql::ResultSet> rows(insert.executeQuery());
          if (!rows->next()) {
            return absl::InternalError("internal storage error");
          }
          tweet.id = rows->getUInt64(1);
          tweet.author_id = author_id;
          tweet.text = rows->getString(2);
          tweet.created_at = TimeFromUnixMicros(rows->getInt64(3));
        }
        if (!request_id.empty()) {
          sql::PreparedStatement& remember =
              connection.Prepare(kInsertRequestId);
          remember.setUInt64(1, author_id);
          remember.setString(2, std::string(request_id));
          remember.setUInt64(3, tweet.id);
          try {
            // Waits for a concurrent insert of the same key to finish.
            remember.executeUpdate();
          } catch (const sql::SQLException& e) {
            if (e.getErrorCode() != kDuplicateKeyError) throw;
            // A concurrent call with this id committed first: roll ours
            // back; RunWithRetry retries ABORTED, and the retry's lookup
            // above returns the tweet that call stored.
            return absl::AbortedError(
                "a concurrent Tweet with the same request_id; try again");
          }
        }

        AuthorForFanOut author = ReadAuthorForFanOut(connection, author_id);
        tweet.author_name = std::move(author.name);
        merged = author.merged;
        // Each owner that just got a row (the author included) is trimmed
        // with probability 1/trim_one_in.
        thread_local absl::BitGen bitgen;
        std::vector<UserId> to_trim;
        if (merged) {
          // Only the author's own row: read-your-writes from the commit on.
          sql::PreparedStatement& own = connection.Prepare(kInsertOwnHomeRow);
          own.setUInt64(1, author_id);
          own.setUInt64(2, tweet.id);
          own.setUInt64(3, author_id);
          own.executeUpdate();
          owners.push_back(author_id);
          if (absl::Uniform(bitgen, 0, timeline_.trim_one_in) == 0) {
            to_trim.push_back(author_id);
          }
        } else {
          sql::PreparedStatement& fan_out = connection.Prepare(kFanOut);
          fan_out.setUInt64(1, author_id);
          fan_out.setUInt64(2, tweet.id);
          fan_out.setUInt64(3, author_id);
          fan_out.setUInt64(4, tweet.id);
          fan_out.setUInt64(5, author_id);
          fan_out.setUInt64(6, author_id);
          std::unique_ptr<sql::ResultSet> rows(fan_out.executeQuery());
          while (rows->next()) {
            owners.push_back(rows->getUInt64(1));
            if (absl::Uniform(bitgen, 0, timeline_.trim_one_in) == 0) {
              to_trim.push_back(owners.back());
            }
          }
        }
        // Ascending owner order, so concurrent trims lock horizon rows in
        // one order.
        std::sort(to_trim.begin(), to_trim.end());
        for (UserId owner : to_trim) {
          TrimHomeTimeline(connection, owner, timeline_.retention);
        }
        if (outbox_ != nullptr) {
          outbox_row = TierOutbox::Record(connection, TierOutbox::Kind::kTweet,
                                          tweet.id, author_id);
        }
        transaction.Commit();  // durable: innodb_flush_log_at_trx_commit=1
        return absl::OkStatus();
      });
  if (!status.ok()) return status;
  // After the commit, so the cache never holds an id a reader cannot
  // fetch: followers reading through this server see the tweet at once.
  if (merged && merged_cache_ != nullptr) {
    merged_cache_->AddTweet(author_id, tweet.id);
  }
  // Before the answer, so the author's own entry has the tweet on every
  // server (read-your-writes); followers' entries in the same call.
  if (outbox_row != 0) outbox_->ApplyTweet(outbox_row, owners, tweet.id);
  return tweet;
}

absl::StatusOr<std::optional<std::vector<TweetRecord>>>
MySqlTweetStore::ReadThroughTier(const TimelinePageQuery& query) {
  HomeTimelineTier& tier = outbox_->tier();
  if (!tier.Usable() || query.limit <= 0) return std::nullopt;
  const std::size_t limit = static_cast<std::size_t>(query.limit);
  const TweetId before = query.before_tweet_id != 0
                             ? query.before_tweet_id
                             : std::numeric_limits<TweetId>::max();
  absl::StatusOr<std::optional<TierPage>> read =
      tier.Read(query.user_id, query.before_tweet_id, query.limit);
  if (!read.ok()) return std::nullopt;
  std::optional<TierPage> page = *std::move(read);
  if (!page.has_value()) {
    // A miss: register the rebuild before reading the snapshot, so that an
    // invalidation in between makes the tier refuse it (FinishBuild).
    absl::StatusOr<std::string> token = tier.BeginBuild(query.user_id);
    if (!token.ok()) return std::nullopt;
    if (token->empty()) {  // another server completed it meanwhile
      read = tier.Read(query.user_id, query.before_tweet_id, query.limit);
      if (!read.ok() || !read->has_value()) return std::nullopt;
      page = *std::move(*read);
    } else {
      TierSnapshot snapshot;
      absl::Status status = RunWithRetry(
          *pool_, acquire_timeout_, "ReadTierSnapshot",
          [&](PooledConnection& connection) {
            return ReadTierSnapshot(connection, query.user_id,
                                    timeline_.retention, snapshot);
          });
      if (!status.ok()) return status;
      (void)tier.FinishBuild(query.user_id, *token, snapshot);
      page = PageFromSnapshot(snapshot, before, limit);
    }
  }

  std::vector<TweetId> ids = std::move(page->ids);
  if (!page->merged_followees.empty()) {
    if (merged_cache_ == nullptr) return std::nullopt;
    const TweetId lower = ids.size() >= limit
                              ? std::max(page->floor, ids[limit - 1])
                              : page->floor;
    const absl::Time now = absl::Now();
    for (UserId author : page->merged_followees) {
      // Missing, stale or not covering the range: the database path
      // loads it (and the background refresher keeps it fresh).
      if (merged_cache_->Collect(author, before, lower, limit, now, ids) !=
          MergedAuthorCache::Lookup::kHit) {
        return std::nullopt;
      }
    }
    SortNewestFirstUnique(ids);
  }
  if (ids.size() > limit) ids.resize(limit);
  // Short of a page: below the floor the entry no longer has the ids the
  // database still has (the database path serves that page); at or below
  // the horizon the direct query does, as without a tier.
  const bool needs_fallback = ids.size() < limit && page->horizon > 0;
  if (ids.size() < limit && page->floor > page->horizon) return std::nullopt;

  std::vector<TweetRecord> tweets;
  if (!needs_fallback && tweet_cache_ != nullptr) {
    std::vector<bool> hit;
    if (tweet_cache_->Lookup(ids, tweets, hit) == ids.size()) return tweets;
    tweets.clear();
  }
  absl::Status status = RunWithRetry(
      *pool_, acquire_timeout_, "ReadTimelinePage",
      [&](PooledConnection& connection) -> absl::Status {
        tweets.clear();
        std::vector<TweetId> page_ids = ids;
        if (needs_fallback) {
          ReadFallbackIds(connection, query.user_id, before, page->horizon,
                          limit - page_ids.size(), page_ids);
        }
        FetchTweets(connection, page_ids, tweet_cache_.get(), tweets);
        return absl::OkStatus();
      });
  if (!status.ok()) return status;
  return tweets;  // an entry exists only for a user that exists
}

absl::StatusOr<std::vector<TweetRecord>> MySqlTweetStore::ReadTimelinePage(
    const TimelinePageQuery& query) {
  if (outbox_ != nullptr) {
    absl::StatusOr<std::optional<std::vector<TweetRecord>>> served =
        ReadThroughTier(query);
    if (!served.ok()) return served.status();
    if (served->has_value()) return *std::move(*served);
  }
  std::vector<TweetRecord> tweets;
  absl::Status status = RunWithRetry(
      *pool_, acquire_timeout_, "ReadTimelinePage",
      [&](PooledConnection& connection) -> absl::Status {
        tweets.clear();  // a retried attempt starts over
        if (query.limit > 0) {
          const std::size_t limit = static_cast<std::size_t>(query.limit);
          const TweetId before = query.before_tweet_id != 0
                                     ? query.before_tweet_id
                                     : std::numeric_limits<TweetId>::max();
          TweetId horizon = 0;
          std::vector<UserId> merged_authors;
          std::vector<TweetId> home_ids;
          {
            sql::PreparedStatement& select =
                connection.Prepare(kSelectTimelineSources);
            select.setUInt64(1, query.user_id);
            select.setUInt64(2, query.user_id);
            select.setUInt64(3, query.user_id);
            select.setUInt64(4, before);
            select.setInt(5, query.limit);
            std::unique_ptr<sql::ResultSet> rows(select.executeQuery());
            while (rows->next()) {
              const std::uint64_t id = rows->getUInt64(2);
              switch (rows->getInt(1)) {
                case kHorizonRow: horizon = id; break;
                case kMergedFolloweeRow: merged_authors.push_back(id); break;
                case kHomeTweetRow: home_ids.push_back(id); break;
                default: break;
              }
            }
          }
          // Above the horizon: home rows plus merged authors' tweets.
          std::vector<TweetId> ids;
          for (TweetId id : home_ids) {
            if (id > horizon) ids.push_back(id);
          }
          SortNewestFirstUnique(ids);
          if (!merged_authors.empty()) {
            // With a full page of home rows, a merged tweet older than the
            // last of them cannot make the page.
            const TweetId lower =
                ids.size() >= limit ? std::max(horizon, ids[limit - 1])
                                    : horizon;
            std::vector<UserId> from_sql;
            if (merged_cache_ == nullptr) {
              from_sql = merged_authors;
            } else {
              // The cache replaces the index reads of every author whose
              // entry is fresh and covers the range; missing and stale
              // ones are (re)loaded in one batch, and an author whose
              // range reaches below the cached ids is read from SQL.
              const absl::Time now = absl::Now();
              std::vector<UserId> to_load;
              bool due = false;
              for (UserId author : merged_authors) {
                switch (merged_cache_->Collect(author, before, lower, limit,
                                               now, ids, &due)) {
                  case MergedAuthorCache::Lookup::kHit: break;
                  case MergedAuthorCache::Lookup::kLoad:
                    to_load.push_back(author);
                    break;
                  case MergedAuthorCache::Lookup::kNotCovered:
                    from_sql.push_back(author);
                    break;
                }
              }
              // Refresh ahead: an entry past half its staleness is
              // reloaded by one reader, together with every other due
              // entry, in the free slots of this page's load statement
              // (or one statement of its own), while the entries still
              // serve everyone else.
              std::vector<UserId> batch = to_load;
              const std::size_t slots = static_cast<std::size_t>(kMergedSlots);
              const std::size_t free_slots =
                  to_load.empty() ? (due ? slots : 0)
                                  : (slots - to_load.size() % slots) % slots;
              if (free_slots > 0) {
                merged_cache_->ClaimDue(now, free_slots, batch);
              }
              if (!batch.empty()) {
                LoadIntoCache(connection, batch, *merged_cache_, now);
              }
              if (!to_load.empty()) {
                for (UserId author : to_load) {
                  // Asked with the load's own time, so a zero staleness
                  // bound still uses what was just loaded.
                  if (merged_cache_->Collect(author, before, lower, limit,
                                             now, ids) !=
                      MergedAuthorCache::Lookup::kHit) {
                    from_sql.push_back(author);  // evicted, or not covered
                  }
                }
              }
            }
            ReadMergedFromSql(connection, from_sql, before, lower,
                              query.limit, ids);
            SortNewestFirstUnique(ids);
          }
          if (ids.size() > limit) ids.resize(limit);
          // At or below the horizon home rows may be incomplete (trimmed,
          // or older than a follow's backfill): the direct query serves it.
          if (ids.size() < limit && horizon > 0) {
            ReadFallbackIds(connection, query.user_id, before, horizon,
                            limit - ids.size(), ids);
          }
          FetchTweets(connection, ids, tweet_cache_.get(), tweets);
        }
        if (!tweets.empty()) return absl::OkStatus();
        // Only an empty page can hide an unknown user (a user sees their
        // own tweets), so only then is existence checked.
        return CheckUserExistsOn(connection, query.user_id);
      });
  if (!status.ok()) return status;
  return tweets;
}

}  // namespace miniter::storage::mysql
