// sql_anchors.h: the benchmark's raw-SQL anchors run straight against
// MariaDB through Connector/C++ prepared statements (miniter-load
// anchor-read and anchor-insert): what MariaDB alone does for the query a
// fan-out-on-read design would run, and for one durable tweet insert, so
// bench/run.py can print miniter's figures as ratios to them.
#ifndef MINITER_TOOLS_SQL_ANCHORS_H_
#define MINITER_TOOLS_SQL_ANCHORS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace miniter::tools {

struct SqlAnchorOptions {
  std::string database_url;  // mysql://...
  int threads = 8;           // each with its own connection
  absl::Duration warmup = absl::Seconds(2);
  absl::Duration duration = absl::Seconds(10);
  std::uint64_t seed = 1;
  std::string out;  // JSON result file (stdout when empty)
  // anchor-read: the users whose timelines are read (random, uniformly).
  std::vector<std::uint64_t> readers;
  // anchor-read: "in" (WHERE user_id IN (subquery UNION SELECT ?)) or
  // "derived" (JOIN a derived table of followees, like the server's
  // fallback query).
  std::string query = "in";
  // anchor-insert: the authors (random, uniformly).
  std::vector<std::uint64_t> authors;
};

// N threads, each one connection and one prepared fan-out-on-read query
// (newest 50 tweets of the user and its followees), every row read; writes
// q/s, latency percentiles, rows per query and the query's EXPLAIN.
int RunAnchorRead(const SqlAnchorOptions& options);

// N threads, each one connection and one prepared autocommit
// INSERT INTO tweets (user_id, text, created_at) of a random author.
int RunAnchorInsert(const SqlAnchorOptions& options);

}  // namespace miniter::tools

#endif  // MINITER_TOOLS_SQL_ANCHORS_H_
