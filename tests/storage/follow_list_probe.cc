// follow_list_probe.cc: a manual measurement, not a test: loads one account
// with a million followers through MySqlBulkLoader, then times
// ListFollowers pages (the store's own code path) at the front of the list,
// deep in it and at its end, and prints each page statement's ANALYZE
// (rows the plan read, not only estimated) and its InnoDB handler reads.
// docs/profile.md ("Follow lists") has the figures.
//
//   follow_list_probe DATABASE_URL [FOLLOWERS]   load, then measure
//                                                (default 1000000)
//   follow_list_probe DATABASE_URL read STAR_ID  measure only
// Use a throwaway database: it adds FOLLOWERS + 1 users, and loads follows
// without FinishLoad (follower counts and home timelines are not built).
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>
#include <cppconn/resultset_metadata.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "server/storage/mysql/database_url.h"
#include "server/storage/mysql/follow_list_reader.h"
#include "server/storage/mysql/mysql_bulk_loading.h"
#include "server/storage/mysql/mysql_storage.h"
#include "server/storage/mysql/pooled_connection.h"

namespace {

using namespace miniter::storage;  // a probe, not library code
using miniter::storage::mysql::FollowListReader;
using miniter::storage::mysql::PooledConnection;

double Seconds(absl::Time since) {
  return absl::ToDoubleSeconds(absl::Now() - since);
}

constexpr int kPageSize = 20;
constexpr int kTimedReads = 200;

// The keyset of the entry at `offset` of the star's followers (newest
// first), read the slow way once: that is how a client that paged there
// would hold it.
FollowListQuery CursorAt(PooledConnection& connection, UserId star,
                         long offset) {
  sql::PreparedStatement& select = connection.Prepare(
      "SELECT TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', created_at),"
      " follower_id FROM follows WHERE followee_id = ?"
      " ORDER BY created_at DESC, follower_id DESC LIMIT 1 OFFSET ?");
  select.setUInt64(1, star);
  select.setInt64(2, offset);
  std::unique_ptr<sql::ResultSet> rows(select.executeQuery());
  FollowListQuery query;
  query.user_id = star;
  query.limit = kPageSize + 1;
  if (rows->next()) {
    query.after_followed_at = absl::FromUnixMicros(rows->getInt64(1));
    query.after_user_id = rows->getUInt64(2);
  }
  return query;
}

// Binds `query` to the page statement (its text prefixed with `prefix`).
sql::PreparedStatement& Bind(PooledConnection& connection,
                             const std::string& prefix,
                             const FollowListQuery& query) {
  const bool first = query.after_user_id == 0;
  sql::PreparedStatement& statement = connection.Prepare(
      prefix +
      FollowListReader::Sql(FollowListReader::Direction::kFollowers, first));
  unsigned int p = 1;
  statement.setUInt64(p++, query.user_id);
  if (!first) {
    const std::string after = absl::FormatTime(
        "%Y-%m-%d %H:%M:%E6S", query.after_followed_at, absl::UTCTimeZone());
    statement.setString(p++, after);
    statement.setString(p++, after);
    statement.setUInt64(p++, query.after_user_id);
  }
  statement.setInt(p, query.limit);
  return statement;
}

void PrintAnalyze(PooledConnection& connection, const FollowListQuery& query) {
  std::unique_ptr<sql::ResultSet> rows(
      Bind(connection, "ANALYZE ", query).executeQuery());
  sql::ResultSetMetaData* meta = rows->getMetaData();
  while (rows->next()) {
    std::string line = "    ";
    for (unsigned int i = 1; i <= meta->getColumnCount(); ++i) {
      const std::string name(meta->getColumnLabel(i));
      if (name == "id" || name == "select_type" || name == "possible_keys" ||
          name == "key_len") {
        continue;
      }
      const std::string value = rows->isNull(i)
                                    ? std::string("NULL")
                                    : std::string(rows->getString(i));
      absl::StrAppend(&line, name, "=", value, " ");
    }
    std::printf("%s\n", line.c_str());
  }
}

// Handler_read_* of one execution of the page statement.
void PrintHandlerReads(PooledConnection& connection,
                       const FollowListQuery& query) {
  auto counters = [&connection] {
    std::vector<std::pair<std::string, long>> out;
    std::unique_ptr<sql::ResultSet> rows(
        connection.Prepare("SHOW SESSION STATUS LIKE 'Handler_read%'")
            .executeQuery());
    while (rows->next()) {
      out.emplace_back(std::string(rows->getString(1)),
                       std::atol(std::string(rows->getString(2)).c_str()));
    }
    return out;
  };
  const auto before = counters();
  {
    std::unique_ptr<sql::ResultSet> rows(
        Bind(connection, "", query).executeQuery());
    while (rows->next()) {
    }
  }
  const auto after = counters();
  std::string line = "    handler reads:";
  for (std::size_t i = 0; i < after.size() && i < before.size(); ++i) {
    // SHOW STATUS itself reads nothing through handlers of InnoDB tables.
    const long delta = after[i].second - before[i].second;
    if (delta != 0) absl::StrAppend(&line, " ", after[i].first, "=", delta);
  }
  std::printf("%s\n", line.c_str());
}

void Measure(MySqlStorage& storage, PooledConnection& connection,
             const char* label, const FollowListQuery& query) {
  std::vector<double> micros;
  std::size_t rows = 0;
  // One untimed read first, so every position starts equally warm.
  if (!storage.follows->ListFollowers(query).ok()) std::exit(1);
  for (int i = 0; i < kTimedReads; ++i) {
    const absl::Time start = absl::Now();
    absl::StatusOr<std::vector<FollowListEntry>> page =
        storage.follows->ListFollowers(query);
    micros.push_back(absl::ToDoubleMicroseconds(absl::Now() - start));
    if (!page.ok()) {
      std::fprintf(stderr, "%s\n", page.status().ToString().c_str());
      std::exit(1);
    }
    rows = page->size();
  }
  std::sort(micros.begin(), micros.end());
  std::printf(
      "%s: %zu rows/page; p50 %.0f us, p90 %.0f us, p99 %.0f us "
      "(%d reads, one client)\n",
      label, rows, micros[micros.size() / 2], micros[micros.size() * 9 / 10],
      micros[micros.size() * 99 / 100], kTimedReads);
  PrintAnalyze(connection, query);
  PrintHandlerReads(connection, query);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s DATABASE_URL [FOLLOWERS | read STAR_ID]\n",
                 argv[0]);
    return 2;
  }
  const bool read_only = argc > 3 && std::string(argv[2]) == "read";
  const long followers = argc > 2 && !read_only ? std::atol(argv[2]) : 1000000;
  MySqlOptions options;
  options.database_url = argv[1];
  if (auto applied = ApplyMigrations(options); !applied.ok()) {
    std::fprintf(stderr, "migrations: %s\n",
                 applied.status().ToString().c_str());
    return 1;
  }
  UserId star = read_only ? std::strtoull(argv[3], nullptr, 10) : 0;
  long total = followers;
  if (!read_only) {
    auto loader = OpenMySqlBulkLoader(options);
    if (!loader.ok()) return 1;
    const std::string run = absl::StrCat(absl::ToUnixMicros(absl::Now()));
    auto make_user = [&run](const std::string& name) {
      NewUser u;
      u.name = name;
      u.email = absl::StrCat(name, ".", run, "@example.com");
      u.email_key = u.email;
      u.password_hash = "$argon2id$v=19$m=65536,t=2,p=1$c2FsdA$aGFzaA";
      return u;
    };
    auto star_ids = (*loader)->InsertUsers({make_user("star")});
    if (!star_ids.ok()) return 1;
    star = star_ids->front();
    absl::Time t = absl::Now();
    std::vector<std::pair<UserId, UserId>> edges;
    for (long begin = 0; begin < followers; begin += 5000) {
      std::vector<NewUser> batch;
      for (long i = begin; i < std::min(followers, begin + 5000); ++i) {
        batch.push_back(make_user(absl::StrCat("fan", i)));
      }
      auto ids = (*loader)->InsertUsers(batch);
      if (!ids.ok()) {
        std::fprintf(stderr, "%s\n", ids.status().ToString().c_str());
        return 1;
      }
      for (UserId id : *ids) edges.push_back({id, star});
      // Follows go in as users come, 50,000 a time: one statement of
      // 1,000 rows shares a created_at, so ties are many, as they would
      // be for a burst of follows.
      if (edges.size() >= 50000 || begin + 5000 >= followers) {
        if (!(*loader)->InsertFollows(edges).ok()) return 1;
        edges.clear();
      }
    }
    std::printf("loaded %ld followers of user %llu in %.1fs\n", followers,
                static_cast<unsigned long long>(star), Seconds(t));
  }

  auto storage = OpenMySqlStorage(options);
  if (!storage.ok()) return 1;
  miniter::storage::mysql::ConnectionSettings settings;
  settings.url = *miniter::storage::mysql::ParseDatabaseUrl(argv[1]);
  settings.io_timeout = absl::Minutes(5);
  auto connection = miniter::storage::mysql::OpenPooledConnection(settings);
  if (!connection.ok()) return 1;
  sql::PreparedStatement& count =
      (*connection)
          ->Prepare("SELECT COUNT(*) FROM follows WHERE followee_id = ?");
  count.setUInt64(1, star);
  std::unique_ptr<sql::ResultSet> counted(count.executeQuery());
  if (counted->next()) total = counted->getInt64(1);
  std::printf("user %llu has %ld followers; pages of %d\n",
              static_cast<unsigned long long>(star), total, kPageSize);

  FollowListQuery first;
  first.user_id = star;
  first.limit = kPageSize + 1;
  Measure(*storage, **connection, "first page", first);
  Measure(*storage, **connection, "after 500,000",
          CursorAt(**connection, star, 500000 - 1));
  Measure(*storage, **connection, "last page",
          CursorAt(**connection, star, total - kPageSize - 1));
  return 0;
}
