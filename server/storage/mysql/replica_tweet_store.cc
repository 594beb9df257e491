// replica_tweet_store.cc: routing of timeline reads between a replica and
// the primary by a GTID-measured staleness bound (see the header).
#include "server/storage/mysql/replica_tweet_store.h"

#include <memory>
#include <string>
#include <utility>

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "server/common/log.h"
#include "server/storage/mysql/database_url.h"
#include "server/storage/mysql/pooled_connection.h"
#include "server/storage/mysql/query_runner.h"

namespace miniter::storage::mysql {
namespace {

// Probes wait this long for their one connection at most: a probe that
// cannot run is itself the answer (replica unknown).
constexpr absl::Duration kProbeAcquireTimeout = absl::Milliseconds(500);

absl::StatusOr<GtidPosition> ReadPosition(ConnectionPool& pool,
                                          const char* variable_sql) {
  GtidPosition position;
  absl::Status status = RunWithRetry(
      pool, kProbeAcquireTimeout, "ReplicaProbe",
      [&](PooledConnection& connection) -> absl::Status {
        sql::PreparedStatement& select = connection.Prepare(variable_sql);
        std::unique_ptr<sql::ResultSet> rows(select.executeQuery());
        if (!rows->next()) return absl::InternalError("no row");
        const std::string text = rows->getString(1);
        if (!ParseGtidPosition(text, &position)) {
          return absl::InternalError(
              absl::StrCat("unparseable GTID position \"", text, "\""));
        }
        return absl::OkStatus();
      });
  if (!status.ok()) return status;
  return position;
}

}  // namespace

bool ParseGtidPosition(absl::string_view text, GtidPosition* out) {
  out->clear();
  for (absl::string_view gtid :
       absl::StrSplit(text, ',', absl::SkipWhitespace())) {
    std::vector<absl::string_view> parts = absl::StrSplit(gtid, '-');
    std::uint32_t domain;
    std::uint32_t server;
    std::uint64_t sequence;
    if (parts.size() != 3 || !absl::SimpleAtoi(parts[0], &domain) ||
        !absl::SimpleAtoi(parts[1], &server) ||
        !absl::SimpleAtoi(parts[2], &sequence)) {
      return false;
    }
    std::uint64_t& known = (*out)[domain];
    known = std::max(known, sequence);
  }
  return true;
}

bool GtidCovers(const GtidPosition& applied, const GtidPosition& target) {
  for (const auto& [domain, sequence] : target) {
    auto it = applied.find(domain);
    if (it == applied.end() || it->second < sequence) return false;
  }
  return true;
}

void StalenessTracker::AddPrimarySample(absl::Time time,
                                        GtidPosition position) {
  samples_.push_back({time, std::move(position)});
  while (samples_.size() > max_samples_) samples_.pop_front();
}

void StalenessTracker::ReplicaApplied(const GtidPosition& applied) {
  // Samples are in time order and positions only grow, so the newest
  // covered sample is found from the back.
  for (auto it = samples_.rbegin(); it != samples_.rend(); ++it) {
    if (GtidCovers(applied, it->position)) {
      fresh_as_of_ = std::max(fresh_as_of_, it->time);
      samples_.erase(samples_.begin(), it.base() - 1);
      return;
    }
  }
}

ReplicaTweetStore::ReplicaTweetStore(
    std::shared_ptr<TweetStore> primary, std::shared_ptr<TweetStore> replica,
    std::shared_ptr<ConnectionPool> primary_probe,
    std::shared_ptr<ConnectionPool> replica_probe, Options options)
    : primary_(std::move(primary)),
      replica_(std::move(replica)),
      primary_probe_(std::move(primary_probe)),
      replica_probe_(std::move(replica_probe)),
      options_(options),
      tracker_(/*max_samples=*/static_cast<std::size_t>(
          4 + options.max_staleness / options.probe_interval)) {
  prober_ = std::thread([this] {
    do {
      ProbeOnce();
    } while (!stop_.WaitForNotificationWithTimeout(options_.probe_interval));
  });
}

ReplicaTweetStore::~ReplicaTweetStore() {
  stop_.Notify();
  if (prober_.joinable()) prober_.join();
}

void ReplicaTweetStore::ProbeOnce() {
  // The primary first: the replica's position read afterwards is compared
  // with what the primary had at this moment or earlier.
  const absl::Time sampled = absl::Now();
  absl::StatusOr<GtidPosition> primary =
      ReadPosition(*primary_probe_, "SELECT @@global.gtid_binlog_pos");
  absl::StatusOr<GtidPosition> replica =
      ReadPosition(*replica_probe_, "SELECT @@global.gtid_slave_pos");
  bool fresh;
  {
    absl::MutexLock lock(&mu_);
    // Without the primary's position nothing new is learned; the bound
    // keeps ageing until the replica is routed around.
    if (primary.ok()) tracker_.AddPrimarySample(sampled, *std::move(primary));
    if (replica.ok()) {
      tracker_.ReplicaApplied(*replica);
    } else {
      tracker_.ReplicaUnknown();
    }
    fresh = absl::Now() - tracker_.fresh_as_of() <= options_.max_staleness;
    if (static_cast<int>(fresh) == last_probe_fresh_) return;
    last_probe_fresh_ = fresh ? 1 : 0;
  }
  common::LogLine(
      fresh ? "replica within its staleness bound: other users' timelines "
              "read from the replica"
            : absl::StrCat(
                  "replica ",
                  replica.ok() ? "behind its staleness bound" : "unreachable",
                  ": all timelines read from the primary"));
}

bool ReplicaTweetStore::ReplicaIsFresh() const {
  absl::MutexLock lock(&mu_);
  return absl::Now() - tracker_.fresh_as_of() <= options_.max_staleness;
}

absl::StatusOr<TweetRecord> ReplicaTweetStore::CreateTweet(
    UserId author_id, std::string_view text, std::string_view request_id) {
  return primary_->CreateTweet(author_id, text, request_id);
}

absl::StatusOr<std::vector<TweetRecord>> ReplicaTweetStore::ReadTimelinePage(
    const TimelinePageQuery& query) {
  if (ReplicaIsFresh()) {
    // A refusal by the caller's admission is the answer, not a sign of a
    // lagging replica: the primary would be refused alike.
    TimelinePageQuery replica_query = query;
    bool refused = false;
    if (query.admit_expensive_read) {
      replica_query.admit_expensive_read = [&query, &refused] {
        absl::Status admitted = query.admit_expensive_read();
        refused = !admitted.ok();
        return admitted;
      };
    }
    absl::StatusOr<std::vector<TweetRecord>> page =
        replica_->ReadTimelinePage(replica_query);
    if (page.ok()) {
      replica_reads_.fetch_add(1);
      return page;
    }
    if (refused) return page.status();
    // Whatever went wrong there (down, overloaded, an account that has not
    // arrived yet), the primary's answer is the authoritative one.
    NoteReplicaFailure(page.status());
  }
  primary_reads_.fetch_add(1);
  return primary_->ReadTimelinePage(query);
}

absl::StatusOr<std::vector<TweetRecord>> ReplicaTweetStore::ReadUserTweetsPage(
    const UserTweetsQuery& query) {
  if (ReplicaIsFresh()) {
    absl::StatusOr<std::vector<TweetRecord>> page =
        replica_->ReadUserTweetsPage(query);
    if (page.ok()) {
      replica_reads_.fetch_add(1);
      return page;
    }
    NoteReplicaFailure(page.status());
  }
  primary_reads_.fetch_add(1);
  return primary_->ReadUserTweetsPage(query);
}

void ReplicaTweetStore::NoteReplicaFailure(const absl::Status& status) {
  if (absl::IsNotFound(status)) return;
  absl::MutexLock lock(&mu_);
  tracker_.ReplicaUnknown();
}

absl::StatusOr<std::shared_ptr<TweetStore>> OpenReplicaTweetStore(
    const MySqlOptions& options, std::shared_ptr<TweetStore> primary) {
  if (options.replica_max_staleness <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        "replica_max_staleness must be a positive duration");
  }
  MySqlOptions replica_options = options;
  replica_options.database_url = options.replica_database_url;
  replica_options.replica_database_url.clear();
  absl::StatusOr<MySqlStorage> replica = OpenMySqlStorage(replica_options);
  if (!replica.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("replica database: ", replica.status().message()));
  }
  // One connection each, with short timeouts: a probe must not hang on a
  // database that stopped answering.
  auto probe_pool = [](const std::string& url)
      -> absl::StatusOr<std::shared_ptr<ConnectionPool>> {
    absl::StatusOr<DatabaseUrl> parsed = ParseDatabaseUrl(url);
    if (!parsed.ok()) return parsed.status();
    ConnectionSettings settings;
    settings.url = *std::move(parsed);
    settings.connect_timeout = absl::Seconds(1);
    settings.io_timeout = absl::Seconds(1);
    return std::make_shared<ConnectionPool>(
        [settings] { return OpenPooledConnection(settings); }, 1);
  };
  absl::StatusOr<std::shared_ptr<ConnectionPool>> primary_probe =
      probe_pool(options.database_url);
  if (!primary_probe.ok()) return primary_probe.status();
  absl::StatusOr<std::shared_ptr<ConnectionPool>> replica_probe =
      probe_pool(options.replica_database_url);
  if (!replica_probe.ok()) return replica_probe.status();
  ReplicaTweetStore::Options routing;
  routing.max_staleness = options.replica_max_staleness;
  routing.probe_interval =
      std::min(absl::Milliseconds(250), options.replica_max_staleness / 4);
  return std::shared_ptr<TweetStore>(std::make_shared<ReplicaTweetStore>(
      std::move(primary), replica->tweets, *std::move(primary_probe),
      *std::move(replica_probe), routing));
}

}  // namespace miniter::storage::mysql
