// bulk_load_probe.cc: a manual measurement, not a test: generates a
// benchmark-shaped data set (Zipf-skewed follows, 20-100 per user), loads it
// through MySqlBulkLoader, reports each phase's time (FinishLoad above all),
// then times first-page timeline reads against the raw indexed query.
//
//   bulk_load_probe DATABASE_URL [USERS] [TWEETS]   (default 20000 400000)
//   bulk_load_probe DATABASE_URL read                only the read timings
// Use a throwaway database: it adds that many users.
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

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "server/storage/mysql/database_url.h"
#include "server/storage/mysql/mysql_bulk_loading.h"
#include "server/storage/mysql/mysql_storage.h"
#include "server/storage/mysql/pooled_connection.h"

namespace {

using namespace miniter::storage;  // a probe, not library code

double Seconds(absl::Time since) {
  return absl::ToDoubleSeconds(absl::Now() - since);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s DATABASE_URL [USERS] [TWEETS]\n", argv[0]);
    return 2;
  }
  const bool read_only = argc > 2 && std::string(argv[2]) == "read";
  int users = argc > 2 && !read_only ? std::atoi(argv[2]) : 20000;
  const int tweets = argc > 3 ? std::atoi(argv[3]) : 400000;
  MySqlOptions options;
  options.database_url = argv[1];
  if (auto applied = ApplyMigrations(options); !applied.ok()) {
    std::fprintf(stderr, "migrations: %s\n",
                 applied.status().ToString().c_str());
    return 1;
  }
  auto loader = OpenMySqlBulkLoader(options);
  if (!loader.ok()) return 1;
  absl::BitGen bitgen(std::seed_seq{7});
  const std::string run = absl::StrCat(absl::ToUnixMicros(absl::Now()));

  absl::Time t = absl::Now();
  std::vector<UserId> ids;
  if (read_only) {
    miniter::storage::mysql::ConnectionSettings settings;
    settings.url = *miniter::storage::mysql::ParseDatabaseUrl(argv[1]);
    auto connection = miniter::storage::mysql::OpenPooledConnection(settings);
    if (!connection.ok()) return 1;
    std::unique_ptr<sql::ResultSet> rows(
        (*connection)->Prepare("SELECT id FROM users").executeQuery());
    while (rows->next()) ids.push_back(rows->getUInt64(1));
    users = static_cast<int>(ids.size());
  }
  if (!read_only) {
    for (int begin = 0; begin < users; begin += 5000) {
      std::vector<NewUser> batch;
      for (int i = begin; i < std::min(users, begin + 5000); ++i) {
        NewUser u;
        u.name = absl::StrCat("user", i);
        u.email = absl::StrCat("u", i, ".", run, "@example.com");
        u.email_key = u.email;
        u.password_hash = "$argon2id$v=19$m=65536,t=2,p=1$c2FsdA$aGFzaA";
        batch.push_back(std::move(u));
      }
      auto got = (*loader)->InsertUsers(batch);
      if (!got.ok()) {
        std::fprintf(stderr, "%s\n", got.status().ToString().c_str());
        return 1;
      }
      ids.insert(ids.end(), got->begin(), got->end());
    }
    std::printf("users   %d in %.1fs\n", users, Seconds(t));

    // Zipf(1) popularity over a random permutation of users.
    std::vector<double> cdf(users);
    double sum = 0;
    for (int r = 0; r < users; ++r) cdf[r] = (sum += 1.0 / (r + 1));
    std::vector<int> rank_to_user(users);
    for (int i = 0; i < users; ++i) rank_to_user[i] = i;
    std::shuffle(rank_to_user.begin(), rank_to_user.end(), bitgen);
    auto zipf = [&] {
      double x = absl::Uniform(bitgen, 0.0, sum);
      return rank_to_user[std::lower_bound(cdf.begin(), cdf.end(), x) -
                          cdf.begin()];
    };
    t = absl::Now();
    std::size_t edge_count = 0;
    std::vector<std::pair<UserId, UserId>> edges;
    for (int i = 0; i < users; ++i) {
      const int n = absl::Uniform(bitgen, 20, 101);
      for (int k = 0; k < n; ++k) {
        int j = zipf();
        if (j != i) edges.push_back({ids[i], ids[j]});
      }
      if (edges.size() > 50000 || i == users - 1) {
        edge_count += edges.size();
        if (!(*loader)->InsertFollows(edges).ok()) return 1;
        edges.clear();
      }
    }
    std::printf("follows %zu in %.1fs\n", edge_count, Seconds(t));

    t = absl::Now();
    const absl::Time t0 = absl::Now() - absl::Hours(24 * 30);
    std::vector<BulkTweet> batch;
    for (int k = 0; k < tweets; ++k) {
      BulkTweet tw;
      tw.author_id =
          ids[absl::Bernoulli(bitgen, 0.5) ? zipf()
                                           : absl::Uniform(bitgen, 0, users)];
      tw.text =
          absl::StrCat("tweet ", k, " lorem ipsum dolor sit amet consectetur");
      tw.created_at = t0 + absl::Seconds(k);
      batch.push_back(std::move(tw));
      if (batch.size() == 20000 || k == tweets - 1) {
        if (!(*loader)->InsertTweets(batch).ok()) return 1;
        batch.clear();
      }
    }
    std::printf("tweets  %d in %.1fs\n", tweets, Seconds(t));

    t = absl::Now();
    absl::Status finished = (*loader)->FinishLoad();
    std::printf("FinishLoad %s in %.1fs\n", finished.ToString().c_str(),
                Seconds(t));
  }  // !read_only

  auto storage = OpenMySqlStorage(options);
  if (!storage.ok()) return 1;
  t = absl::Now();
  constexpr int kReads = 2000;
  std::size_t rows = 0;
  for (int i = 0; i < kReads; ++i) {
    auto page = storage->tweets->ReadTimelinePage(
        {ids[absl::Uniform(bitgen, 0, users)], 0, 50});
    if (!page.ok()) return 1;
    rows += page->size();
  }
  std::printf("first pages: %.0f reads/s single-threaded (%.1f tweets/page)\n",
              kReads / Seconds(t), static_cast<double>(rows) / kReads);
  // The raw indexed query (the pre-0002 timeline read) for comparison.
  miniter::storage::mysql::ConnectionSettings settings;
  settings.url = *miniter::storage::mysql::ParseDatabaseUrl(argv[1]);
  auto connection = miniter::storage::mysql::OpenPooledConnection(settings);
  if (!connection.ok()) return 1;
  // In-memory temporary tables, so the raw query is not slowed by spills.
  (*connection)
      ->Execute(
          "SET SESSION tmp_table_size = 268435456, max_heap_table_size = "
          "268435456");
  sql::PreparedStatement& raw =
      (*connection)
          ->Prepare(
              "SELECT t.id, t.user_id, u.name, t.text, t.created_at"
              " FROM (SELECT ? AS user_id"
              "       UNION SELECT followee_id FROM follows WHERE follower_id "
              "= ?) a"
              " JOIN tweets t ON t.user_id = a.user_id AND t.id < ?"
              " JOIN users u ON u.id = t.user_id"
              " ORDER BY t.id DESC LIMIT 50");
  t = absl::Now();
  constexpr int kRawReads = 300;
  for (int i = 0; i < kRawReads; ++i) {
    const UserId user = ids[absl::Uniform(bitgen, 0, users)];
    raw.setUInt64(1, user);
    raw.setUInt64(2, user);
    raw.setUInt64(3, ~0ull);
    std::unique_ptr<sql::ResultSet> rows(raw.executeQuery());
    while (rows->next()) {
    }
  }
  std::printf("raw query: %.0f reads/s single-threaded\n",
              kRawReads / Seconds(t));
  return 0;
}
