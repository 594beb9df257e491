// tier_outbox.cc: recording, applying and sweeping the memory tier's
// outbox rows (see tier_outbox.h).
#include "server/storage/mysql/tier_outbox.h"

#include <algorithm>
#include <memory>
#include <string>
#include <utility>

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "server/storage/mysql/query_runner.h"
#include "server/storage/mysql/transaction_guard.h"

namespace miniter::storage::mysql {
namespace {

constexpr const char* kInsertRow =
    "INSERT INTO tier_outbox (kind, subject_id, author_id, created_at) "
    "VALUES (?, ?, ?, UTC_TIMESTAMP(6)) RETURNING id";
// SKIP LOCKED (MariaDB 10.6+): servers sweeping at once take disjoint
// rows instead of queueing behind each other. `settled` says whether an
// invalidation has waited long enough to be applied for the last time.
constexpr const char* kClaimRows =
    "SELECT id, kind, subject_id, author_id,"
    " created_at <= UTC_TIMESTAMP(6) - INTERVAL ? MICROSECOND AS settled"
    " FROM tier_outbox"
    " WHERE created_at <= UTC_TIMESTAMP(6) - INTERVAL ? MICROSECOND"
    " ORDER BY id LIMIT 128 FOR UPDATE SKIP LOCKED";
constexpr std::size_t kClaimBatch = 128;
constexpr const char* kSelectFollowers =
    "SELECT follower_id FROM follows WHERE followee_id = ?";
constexpr const char* kSelectMerged =
    "SELECT merged_at_read FROM author_fanout WHERE user_id = ?";
// Padded with 0 (no such row) so one statement text serves every batch.
constexpr int kDeleteSlots = 64;
const std::string& DeleteRowsSql() {
  static const std::string* const sql = [] {
    std::vector<std::string> marks(kDeleteSlots, "?");
    return new std::string(absl::StrCat("DELETE FROM tier_outbox WHERE id IN (",
                                        absl::StrJoin(marks, ","), ")"));
  }();
  return *sql;
}

void DeleteRows(PooledConnection& connection,
                const std::vector<std::uint64_t>& ids) {
  for (std::size_t begin = 0; begin < ids.size(); begin += kDeleteSlots) {
    sql::PreparedStatement& remove = connection.Prepare(DeleteRowsSql());
    for (int slot = 0; slot < kDeleteSlots; ++slot) {
      const std::size_t i = begin + static_cast<std::size_t>(slot);
      remove.setUInt64(static_cast<unsigned int>(slot + 1),
                       i < ids.size() ? ids[i] : 0);
    }
    remove.executeUpdate();
  }
}

}  // namespace

std::vector<UserId> TierOutbox::ReadFollowers(PooledConnection& connection,
                                              UserId author) {
  std::vector<UserId> followers;
  sql::PreparedStatement& select = connection.Prepare(kSelectFollowers);
  select.setUInt64(1, author);
  std::unique_ptr<sql::ResultSet> rows(select.executeQuery());
  while (rows->next()) followers.push_back(rows->getUInt64(1));
  return followers;
}

namespace {

bool IsMerged(PooledConnection& connection, UserId author) {
  sql::PreparedStatement& select = connection.Prepare(kSelectMerged);
  select.setUInt64(1, author);
  std::unique_ptr<sql::ResultSet> rows(select.executeQuery());
  return rows->next() && rows->getInt(1) != 0;
}

}  // namespace

TierOutbox::TierOutbox(std::shared_ptr<ConnectionPool> pool,
                       absl::Duration acquire_timeout,
                       std::shared_ptr<HomeTimelineTier> tier,
                       TierOutboxOptions options)
    : pool_(std::move(pool)),
      acquire_timeout_(acquire_timeout),
      tier_(std::move(tier)),
      options_(options) {
  // Everything recorded while the tier was unusable (or before this server
  // started) is applied before the tier serves again.
  tier_->SetRepairHook([this] {
    FlushDone();
    return Sweep(absl::ZeroDuration());
  });
  thread_ = std::thread([this] { Run(); });
}

TierOutbox::~TierOutbox() {
  tier_->SetRepairHook(nullptr);  // waits for a repair in progress
  stop_.Notify();
  thread_.join();
  FlushDone();
}

std::uint64_t TierOutbox::Record(PooledConnection& connection, Kind kind,
                                 std::uint64_t subject, std::uint64_t author) {
  sql::PreparedStatement& insert = connection.Prepare(kInsertRow);
  insert.setInt(1, static_cast<int>(kind));
  insert.setUInt64(2, subject);
  insert.setUInt64(3, author);
  std::unique_ptr<sql::ResultSet> rows(insert.executeQuery());
  return rows->next() ? rows->getUInt64(1) : 0;
}

void TierOutbox::ApplyTweet(std::uint64_t id, const std::vector<UserId>& owners,
                            TweetId tweet) {
  // Not writable: the repair that makes the tier usable again applies it.
  if (!tier_->Writable()) return;
  if (!tier_->AddTweet(owners, tweet).ok()) return;
  absl::MutexLock lock(&mu_);
  done_.push_back(id);
}

void TierOutbox::ApplyInvalidation(const std::vector<UserId>& owners) {
  if (!tier_->Writable()) return;
  (void)tier_->Invalidate(owners);  // on failure the sweeper does it
}

void TierOutbox::FlushDone() {
  std::vector<std::uint64_t> done;
  {
    absl::MutexLock lock(&mu_);
    done.swap(done_);
  }
  if (done.empty()) return;
  // Best effort: a row not deleted is applied once more by a sweeper,
  // which changes nothing (every change is idempotent).
  (void)RunWithRetry(*pool_, acquire_timeout_, "TierOutbox::FlushDone",
                     [&](PooledConnection& connection) {
                       DeleteRows(connection, done);
                       return absl::OkStatus();
                     });
}

absl::Status TierOutbox::Sweep(absl::Duration min_age) {
  while (true) {
    std::size_t claimed = 0;
    std::size_t deleted = 0;
    absl::Status status = RunWithRetry(
        *pool_, acquire_timeout_, "TierOutbox::Sweep",
        [&](PooledConnection& connection) -> absl::Status {
          claimed = deleted = 0;
          TransactionGuard transaction(connection);
          struct Row {
            std::uint64_t id;
            Kind kind;
            std::uint64_t subject, author;
            bool settled;
          };
          std::vector<Row> rows;
          {
            sql::PreparedStatement& claim = connection.Prepare(kClaimRows);
            claim.setInt64(1, absl::ToInt64Microseconds(options_.settle));
            claim.setInt64(2, absl::ToInt64Microseconds(min_age));
            std::unique_ptr<sql::ResultSet> result(claim.executeQuery());
            while (result->next()) {
              rows.push_back(Row{result->getUInt64(1),
                                 static_cast<Kind>(result->getInt(2)),
                                 result->getUInt64(3), result->getUInt64(4),
                                 result->getInt(5) != 0});
            }
          }
          claimed = rows.size();
          std::vector<std::uint64_t> finished;
          for (const Row& row : rows) {
            absl::Status applied = absl::OkStatus();
            switch (row.kind) {
              case Kind::kTweet: {
                // Today's followers, not those at the commit: an edge
                // removed since then was invalidated, and an edge added
                // since then backfilled this tweet.
                std::vector<UserId> owners;
                if (!IsMerged(connection, row.author)) {
                  owners = ReadFollowers(connection, row.author);
                }
                owners.push_back(row.author);
                applied = tier_->AddTweet(owners, row.subject);
                break;
              }
              case Kind::kInvalidateOwner:
                applied = tier_->Invalidate({row.subject});
                break;
              case Kind::kInvalidateFollowers:
                applied =
                    tier_->Invalidate(ReadFollowers(connection, row.subject));
                break;
            }
            if (!applied.ok()) {
              return absl::UnavailableError(
                  absl::StrCat("memory tier outbox: ", applied.message()));
            }
            if (row.kind == Kind::kTweet || row.settled) {
              finished.push_back(row.id);
            }
          }
          DeleteRows(connection, finished);
          transaction.Commit();
          deleted = finished.size();
          return absl::OkStatus();
        });
    if (!status.ok()) return status;
    // A short batch was the last; so was one with rows that must wait
    // to settle (claiming them again would find the same rows).
    if (claimed < kClaimBatch || deleted < claimed) return absl::OkStatus();
  }
}

void TierOutbox::Run() {
  absl::Time next_sweep = absl::Now() + options_.sweep_period;
  while (!stop_.WaitForNotificationWithTimeout(options_.flush_period)) {
    FlushDone();
    if (absl::Now() < next_sweep) continue;
    next_sweep = absl::Now() + options_.sweep_period;
    if (tier_->Usable()) (void)Sweep(options_.settle);
  }
}

}  // namespace miniter::storage::mysql
