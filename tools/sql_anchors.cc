// sql_anchors.cc: miniter-load anchor-read and anchor-insert, the raw-SQL
// anchors of the benchmark (sql_anchors.h).
#include "tools/sql_anchors.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include <cppconn/connection.h>
#include <cppconn/exception.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>
#include <cppconn/statement.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "server/storage/mysql/database_url.h"
#include "server/storage/mysql/pooled_connection.h"
#include "tools/bench_data.h"
#include "tools/load_stats.h"

namespace miniter::tools {
namespace {

namespace db = ::miniter::storage::mysql;
using Clock = std::chrono::steady_clock;

// The raw fan-out-on-read query: the newest 50 tweets of the user and the
// accounts it follows, by the (user_id, id) index or the primary key,
// whichever MariaDB picks. Both parameters are the reader's id.
constexpr const char* kReadInSql =
    "SELECT t.id, t.user_id, t.text, t.created_at FROM tweets t "
    "WHERE t.user_id IN (SELECT followee_id FROM follows WHERE follower_id = ? "
    "UNION SELECT ?) ORDER BY t.id DESC LIMIT 50";
// The same as a join with a derived table (the server's fallback query,
// kSelectFallbackIds in mysql_tweet_store.cc, with the columns added).
constexpr const char* kReadDerivedSql =
    "SELECT t.id, t.user_id, t.text, t.created_at FROM (SELECT ? AS user_id "
    "UNION SELECT followee_id FROM follows WHERE follower_id = ?) a "
    "JOIN tweets t ON t.user_id = a.user_id ORDER BY t.id DESC LIMIT 50";
constexpr const char* kInsertSql =
    "INSERT INTO tweets (user_id, text, created_at) "
    "VALUES (?, ?, UTC_TIMESTAMP(6))";

struct ThreadResult {
  std::vector<std::int64_t> latencies_ns;
  std::map<std::string, std::int64_t> errors;
  std::string first_error;
  std::int64_t rows = 0;
};

// One call of the anchor on `connection` for a random choice of `rng`;
// returns the rows read (or written). Throws sql::SQLException.
using Body = std::int64_t (*)(db::PooledConnection& connection, Rng& rng,
                              const SqlAnchorOptions& options,
                              const std::vector<std::string>& texts);

std::int64_t ReadOnce(db::PooledConnection& connection, Rng& rng,
                      const SqlAnchorOptions& options,
                      const std::vector<std::string>&) {
  const std::uint64_t user = options.readers[rng.Below(options.readers.size())];
  sql::PreparedStatement& select = connection.Prepare(
      options.query == "derived" ? kReadDerivedSql : kReadInSql);
  select.setUInt64(1, user);
  select.setUInt64(2, user);
  std::unique_ptr<sql::ResultSet> rows(select.executeQuery());
  std::int64_t n = 0;
  std::size_t bytes = 0;
  while (rows->next()) {
    // Every column of every row, as a client would use them.
    bytes += rows->getUInt64(1) + rows->getUInt64(2);
    bytes += rows->getString(3).length() + rows->getString(4).length();
    ++n;
  }
  (void)bytes;
  return n;
}

std::int64_t InsertOnce(db::PooledConnection& connection, Rng& rng,
                        const SqlAnchorOptions& options,
                        const std::vector<std::string>& texts) {
  sql::PreparedStatement& insert = connection.Prepare(kInsertSql);
  insert.setUInt64(1, options.authors[rng.Below(options.authors.size())]);
  insert.setString(2, texts[rng.Below(texts.size())]);
  return insert.executeUpdate();
}

absl::StatusOr<std::unique_ptr<db::PooledConnection>> Connect(
    const std::string& url) {
  absl::StatusOr<db::DatabaseUrl> parsed = db::ParseDatabaseUrl(url);
  if (!parsed.ok()) return parsed.status();
  db::ConnectionSettings settings;
  settings.url = *parsed;
  return db::OpenPooledConnection(settings);
}

// The plan MariaDB picks for the read query, for the first reader: one
// "select_type table type key rows Extra" line per plan row.
std::vector<std::string> Explain(db::PooledConnection& connection,
                                 const SqlAnchorOptions& options) {
  const std::string id = absl::StrCat(options.readers.front());
  std::string sql = options.query == "derived" ? kReadDerivedSql : kReadInSql;
  sql = absl::StrReplaceAll(sql, {{"?", id}});
  std::vector<std::string> lines;
  try {
    std::unique_ptr<sql::Statement> statement(
        connection.connection().createStatement());
    std::unique_ptr<sql::ResultSet> rows(
        statement->executeQuery(absl::StrCat("EXPLAIN ", sql)));
    while (rows->next()) {
      lines.push_back(
          absl::StrCat(std::string(rows->getString("select_type")),
                       " table=", std::string(rows->getString("table")),
                       " type=", std::string(rows->getString("type")),
                       " key=", std::string(rows->getString("key")),
                       " rows=", std::string(rows->getString("rows")),
                       " extra=", std::string(rows->getString("Extra"))));
    }
  } catch (const sql::SQLException& e) {
    lines.push_back(absl::StrCat("EXPLAIN failed: ", e.what()));
  }
  return lines;
}

int RunAnchor(const char* name, const SqlAnchorOptions& options, Body body,
              const std::string& sql_text) {
  const int threads = std::max(1, options.threads);
  std::vector<std::string> texts;
  if (body == &InsertOnce) {
    Rng text_rng(options.seed + 7);
    for (int i = 0; i < 1000; ++i) texts.push_back(MakeTweetText(text_rng));
  }
  std::vector<std::string> explain;
  if (body == &ReadOnce) {
    absl::StatusOr<std::unique_ptr<db::PooledConnection>> connection =
        Connect(options.database_url);
    if (!connection.ok()) {
      std::fprintf(stderr, "miniter-load %s: %s\n", name,
                   connection.status().ToString().c_str());
      return 1;
    }
    explain = Explain(**connection, options);
    for (const std::string& line : explain) {
      std::fprintf(stderr, "miniter-load %s: EXPLAIN: %s\n", name,
                   line.c_str());
    }
  }

  std::vector<ThreadResult> results(threads);
  std::atomic<int> connected{0};
  std::atomic<bool> failed{false}, go{false};
  std::mutex error_mutex;
  std::string connect_error;
  Clock::time_point measure_from, end;
  std::vector<std::thread> workers;
  workers.reserve(threads);
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      ThreadResult& result = results[t];
      absl::StatusOr<std::unique_ptr<db::PooledConnection>> connection =
          Connect(options.database_url);
      if (!connection.ok()) {
        std::lock_guard<std::mutex> lock(error_mutex);
        connect_error = connection.status().ToString();
        failed = true;
      }
      ++connected;
      while (!go) std::this_thread::sleep_for(std::chrono::milliseconds(1));
      if (!connection.ok()) return;
      Rng rng(options.seed * 1000 + t);
      std::int64_t errors = 0;
      for (;;) {
        const Clock::time_point start = Clock::now();
        if (start >= end || failed) break;
        try {
          const std::int64_t rows = body(**connection, rng, options, texts);
          const Clock::time_point done = Clock::now();
          if (start >= measure_from) {
            result.latencies_ns.push_back(
                std::chrono::duration_cast<std::chrono::nanoseconds>(done -
                                                                     start)
                    .count());
            result.rows += rows;
          }
        } catch (const sql::SQLException& e) {
          if (start >= measure_from) {
            ++result.errors[absl::StrCat("MYSQL_", e.getErrorCode())];
          }
          if (result.first_error.empty()) result.first_error = e.what();
          // A broken session does not heal: give up after a burst of them.
          if (++errors > 100) break;
        }
      }
    });
  }
  while (connected < threads)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  const Clock::time_point start = Clock::now();
  measure_from = start + absl::ToChronoNanoseconds(options.warmup);
  end = measure_from + absl::ToChronoNanoseconds(options.duration);
  go = true;
  for (std::thread& worker : workers) worker.join();
  if (!connect_error.empty()) {
    std::fprintf(stderr, "miniter-load %s: cannot connect: %s\n", name,
                 connect_error.c_str());
    return 1;
  }

  std::vector<std::int64_t> all;
  std::map<std::string, std::int64_t> errors;
  std::string first_error;
  std::int64_t rows = 0;
  for (ThreadResult& r : results) {
    all.insert(all.end(), r.latencies_ns.begin(), r.latencies_ns.end());
    for (const auto& [code, n] : r.errors) errors[code] += n;
    if (first_error.empty()) first_error = r.first_error;
    rows += r.rows;
  }
  std::int64_t error_count = 0;
  for (const auto& [code, n] : errors) error_count += n;
  const double seconds = absl::ToDoubleSeconds(options.duration);
  const std::int64_t ok = all.size();
  std::vector<std::string> explain_json;
  explain_json.reserve(explain.size());
  for (const std::string& line : explain) {
    explain_json.push_back(absl::StrCat("\"", JsonEscape(line), "\""));
  }
  const std::string latency = LatencyJson(all);
  const std::string json = absl::StrFormat(
      "{\n  \"tool\": \"miniter-load %s\",\n  \"query\": \"%s\",\n"
      "  \"sql\": \"%s\",\n  \"threads\": %d,\n  \"users\": %d,\n"
      "  \"duration_s\": %.3f,\n  \"ok\": %d,\n  \"qps\": %.1f,\n"
      "  \"error_count\": %d,\n  \"errors\": %s,\n  \"first_error\": \"%s\",\n"
      "  \"rows_per_query\": %.2f,\n  \"latency_ms\": %s,\n"
      "  \"explain\": [%s]\n}\n",
      name, body == &ReadOnce ? options.query : "insert", JsonEscape(sql_text),
      threads,
      body == &ReadOnce ? options.readers.size() : options.authors.size(),
      seconds, ok, ok / seconds, error_count, ErrorsJson(errors),
      JsonEscape(first_error), ok > 0 ? static_cast<double>(rows) / ok : 0.0,
      latency, absl::StrJoin(explain_json, ", "));
  if (absl::Status written = WriteTextFile(options.out, json); !written.ok()) {
    std::fprintf(stderr, "miniter-load %s: %s\n", name,
                 written.ToString().c_str());
    return 1;
  }
  std::fprintf(
      stderr,
      "miniter-load %s: %d threads: %.0f q/s, p50 %.3f ms, "
      "p99 %.3f ms, %.1f rows/query, errors %lld%s\n",
      name, threads, ok / seconds, QuantileMs(all, 0.5), QuantileMs(all, 0.99),
      ok > 0 ? static_cast<double>(rows) / ok : 0.0,
      static_cast<long long>(error_count),
      first_error.empty() ? "" : (" (first: " + first_error + ")").c_str());
  return ok > 0 ? 0 : 1;
}

}  // namespace

int RunAnchorRead(const SqlAnchorOptions& options) {
  if (options.readers.empty()) {
    std::fprintf(stderr, "miniter-load anchor-read: no readers\n");
    return 1;
  }
  if (options.query != "in" && options.query != "derived") {
    std::fprintf(stderr,
                 "miniter-load anchor-read: --query must be in or derived\n");
    return 1;
  }
  return RunAnchor("anchor-read", options, &ReadOnce,
                   options.query == "derived" ? kReadDerivedSql : kReadInSql);
}

int RunAnchorInsert(const SqlAnchorOptions& options) {
  if (options.authors.empty()) {
    std::fprintf(stderr, "miniter-load anchor-insert: no authors\n");
    return 1;
  }
  return RunAnchor("anchor-insert", options, &InsertOnce, kInsertSql);
}

}  // namespace miniter::tools
