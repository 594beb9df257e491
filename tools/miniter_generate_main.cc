// miniter_generate_main.cc: miniter-generate, the benchmark's data
// generator. It fills an empty miniter database with a preset data set
// (users, a skewed follow graph, tweets) through the storage layer's
// BulkLoader, and writes a manifest that bench/run.py uses to know what is
// loaded. It never speaks SQL itself.
//
//   miniter-generate --database_url=mysql://... --preset=medium --seed=1
//       --manifest=path/manifest.json [--force]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "server/rules/password_hasher.h"
#include "server/rules/text_rules.h"
#include "server/storage/bulk_loader.h"
#include "server/storage/mysql/mysql_bulk_loading.h"
#include "server/storage/mysql/mysql_storage.h"
#include "tools/bench_data.h"
#include "tools/tool_command_line.h"

ABSL_FLAG(std::string, database_url, "",
          "mysql://USER:PASSWORD@HOST:PORT/DATABASE (default: "
          "$MINITER_DATABASE_URL)");
ABSL_FLAG(std::string, preset, "tiny", "tiny, medium, large or deep");
ABSL_FLAG(std::uint64_t, seed, 1,
          "random seed; the same seed gives the same data");
ABSL_FLAG(std::string, manifest, "",
          "write a JSON manifest of what was loaded to this file");
ABSL_FLAG(bool, force, false,
          "load even though the database already has users");

namespace miniter::tools {
namespace {

// About a thousand rows per round trip: large enough that the database,
// not the network, is the limit; small enough to keep statements modest.
constexpr std::size_t kBatch = 1000;
// Zipf exponent of popularity (who is followed, who tweets). 1.0 makes the
// most popular account followed by nearly everyone in medium and large,
// the celebrity case a timeline design must survive.
constexpr double kZipfExponent = 1.0;

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// One progress line every ~2 s, so a long load shows it is alive without
// flooding a log.
class Progress {
 public:
  Progress(std::string phase, std::int64_t total)
      : phase_(std::move(phase)),
        total_(total),
        start_(Clock::now()),
        last_(start_) {}
  void Add(std::int64_t n) {
    done_ += n;
    if (std::chrono::duration<double>(Clock::now() - last_).count() >= 2.0) {
      last_ = Clock::now();
      std::printf("  %s: %lld / %lld (%.0f/s)\n", phase_.c_str(),
                  static_cast<long long>(done_), static_cast<long long>(total_),
                  done_ / SecondsSince(start_));
      std::fflush(stdout);
    }
  }
  double Finish() {
    const double seconds = SecondsSince(start_);
    std::printf("%s: %lld in %.1f s (%.0f/s)\n", phase_.c_str(),
                static_cast<long long>(done_), seconds,
                seconds > 0 ? done_ / seconds : 0.0);
    std::fflush(stdout);
    return seconds;
  }
  std::int64_t done() const { return done_; }

 private:
  std::string phase_;
  std::int64_t total_;
  std::int64_t done_ = 0;
  Clock::time_point start_;
  Clock::time_point last_;
};

// The BulkLoader interface has no row count, so emptiness is checked
// through UserStore: ids start at 1 and users are never deleted, so user 1
// exists in any database that has ever had a user; user1@ catches an
// earlier generated load whose ids do not start at 1 (a --force reload).
absl::StatusOr<bool> DatabaseHasUsers(const storage::MySqlOptions& options) {
  absl::StatusOr<storage::MySqlStorage> storage =
      storage::OpenMySqlStorage(options);
  if (!storage.ok()) return storage.status();
  absl::Status first = storage->users->CheckUserExists(1);
  if (first.ok()) return true;
  if (!absl::IsNotFound(first)) return first;
  absl::StatusOr<storage::UserCredentials> bench_user =
      storage->users->FindCredentialsByEmailKey(
          absl::StrCat("user1@", kBenchEmailDomain));
  if (bench_user.ok()) return true;
  if (!absl::IsNotFound(bench_user.status())) return bench_user.status();
  return false;
}

struct LoadResult {
  std::int64_t follows = 0;
  std::int64_t tweets = 0;
  storage::UserId first_user_id = 0;
  storage::UserId max_user_id = 0;
  bool ids_consecutive = true;
  double users_seconds = 0, follows_seconds = 0, tweets_seconds = 0,
         finish_seconds = 0, hash_seconds = 0;
};

absl::Status Fail(absl::string_view what, const absl::Status& status) {
  return absl::Status(status.code(),
                      absl::StrCat(what, ": ", status.message()));
}

absl::StatusOr<LoadResult> Load(storage::BulkLoader& loader,
                                const Preset& preset, std::uint64_t seed) {
  LoadResult result;
  Rng rng(seed);

  // One Argon2id hash for everybody: hashing is deliberately slow (tens of
  // ms), so a hash per user would make `large` take over an hour; the
  // server verifies whatever parameters the hash string carries.
  const Clock::time_point hash_start = Clock::now();
  rules::PasswordHasher hasher;
  absl::StatusOr<std::string> hash = hasher.Hash(kBenchPassword);
  if (!hash.ok()) return Fail("hashing the benchmark password", hash.status());
  result.hash_seconds = SecondsSince(hash_start);

  // ---- users --------------------------------------------------------------
  std::vector<storage::UserId> ids;
  ids.reserve(preset.users);
  {
    Progress progress("users", preset.users);
    std::vector<storage::NewUser> batch;
    for (std::int64_t n = 1; n <= preset.users; ++n) {
      const std::string email = absl::StrCat("user", n, "@", kBenchEmailDomain);
      // Through the same rules as SignUp, so loaded rows look exactly like
      // rows the server would have written (NFC, case-folded key).
      absl::StatusOr<rules::EmailAddress> address = rules::ValidateEmail(email);
      if (!address.ok()) return Fail(email, address.status());
      absl::StatusOr<std::string> name = rules::ValidateName(MakeName(rng, n));
      if (!name.ok()) return Fail("generated name", name.status());
      absl::StatusOr<std::string> name_key = rules::NameKey(*name);
      if (!name_key.ok()) return Fail("generated name", name_key.status());
      storage::NewUser user;
      user.name = *std::move(name);
      user.email = address->display;
      user.email_key = address->key;
      user.name_key = *std::move(name_key);
      user.password_hash = *hash;
      user.profile =
          n % 3 == 0 ? "벤치마크 사용자 · benchmark user 🤖" : "";
      batch.push_back(std::move(user));
      if (batch.size() == kBatch || n == preset.users) {
        absl::StatusOr<std::vector<storage::UserId>> got =
            loader.InsertUsers(batch);
        if (!got.ok()) return Fail("InsertUsers", got.status());
        if (got->size() != batch.size()) {
          return absl::InternalError("InsertUsers returned the wrong id count");
        }
        ids.insert(ids.end(), got->begin(), got->end());
        progress.Add(static_cast<std::int64_t>(batch.size()));
        batch.clear();
      }
    }
    result.users_seconds = progress.Finish();
  }
  result.first_user_id = ids.front();
  result.max_user_id = ids.front();
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (ids[i] != ids.front() + i) result.ids_consecutive = false;
    if (ids[i] > result.max_user_id) result.max_user_id = ids[i];
  }

  // The same popularity drives following and tweeting: accounts many
  // people follow are also the ones that post most.
  const ZipfSampler popularity(ids.size(), kZipfExponent, rng);

  // ---- follows ------------------------------------------------------------
  {
    const std::int64_t expected =
        preset.users * (preset.min_follows + preset.max_follows) / 2;
    Progress progress("follows", expected);
    std::vector<std::pair<storage::UserId, storage::UserId>> batch;
    std::unordered_set<std::size_t> chosen;
    for (std::size_t follower = 0; follower < ids.size(); ++follower) {
      const std::size_t want = std::min<std::size_t>(
          ids.size() - 1,
          preset.min_follows +
              rng.Below(preset.max_follows - preset.min_follows + 1));
      chosen.clear();
      // Rejection keeps the skew: a celebrity drawn twice is simply drawn
      // again. Bounded, in case the skew makes the last few slow to find.
      for (std::size_t tries = 0; chosen.size() < want && tries < want * 50;
           ++tries) {
        const std::size_t followee = popularity.Sample(rng);
        if (followee == follower || !chosen.insert(followee).second) continue;
        batch.emplace_back(ids[follower], ids[followee]);
        if (batch.size() == kBatch) {
          absl::Status s = loader.InsertFollows(batch);
          if (!s.ok()) return Fail("InsertFollows", s);
          progress.Add(static_cast<std::int64_t>(batch.size()));
          batch.clear();
        }
      }
    }
    if (!batch.empty()) {
      absl::Status s = loader.InsertFollows(batch);
      if (!s.ok()) return Fail("InsertFollows", s);
      progress.Add(static_cast<std::int64_t>(batch.size()));
    }
    result.follows = progress.done();
    result.follows_seconds = progress.Finish();
  }

  // ---- tweets -------------------------------------------------------------
  {
    Progress progress("tweets", preset.tweets);
    // A year of history, evenly spaced and increasing, ending a minute ago
    // so tweets posted during the benchmark are always the newest.
    const absl::Time end = absl::Now() - absl::Minutes(1);
    const absl::Duration span = absl::Hours(24 * 365);
    const absl::Duration step = span / static_cast<double>(preset.tweets);
    std::vector<storage::BulkTweet> batch;
    for (std::int64_t i = 0; i < preset.tweets; ++i) {
      absl::StatusOr<std::string> text =
          rules::ValidateTweetText(MakeTweetText(rng));
      if (!text.ok()) return Fail("generated tweet", text.status());
      storage::BulkTweet tweet;
      tweet.author_id = ids[popularity.Sample(rng)];
      tweet.text = *std::move(text);
      tweet.created_at = end - span + step * static_cast<double>(i);
      batch.push_back(std::move(tweet));
      if (batch.size() == kBatch || i + 1 == preset.tweets) {
        absl::Status s = loader.InsertTweets(batch);
        if (!s.ok()) return Fail("InsertTweets", s);
        progress.Add(static_cast<std::int64_t>(batch.size()));
        batch.clear();
      }
    }
    result.tweets = progress.done();
    result.tweets_seconds = progress.Finish();
  }

  // ---- derived structures ---------------------------------------------------
  const Clock::time_point finish_start = Clock::now();
  std::printf("finishing (derived structures, e.g. home timelines)...\n");
  std::fflush(stdout);
  absl::Status finished = loader.FinishLoad();
  if (!finished.ok()) return Fail("FinishLoad", finished);
  result.finish_seconds = SecondsSince(finish_start);
  std::printf("finish: %.1f s\n", result.finish_seconds);
  return result;
}

absl::Status WriteManifest(const std::string& path, const Preset& preset,
                           std::uint64_t seed, const LoadResult& r,
                           double total_seconds) {
  std::ofstream out(path, std::ios::trunc);
  if (!out) return absl::UnavailableError(absl::StrCat("cannot write ", path));
  out << absl::StrFormat(
      "{\n"
      "  \"preset\": \"%s\",\n"
      "  \"seed\": %d,\n"
      "  \"users\": %d,\n"
      "  \"follows\": %d,\n"
      "  \"tweets\": %d,\n"
      "  \"first_user_id\": %d,\n"
      "  \"max_user_id\": %d,\n"
      "  \"user_ids_consecutive\": %s,\n"
      "  \"email_pattern\": \"user<N>@%s\",\n"
      "  \"password\": \"%s\",\n"
      "  \"load_seconds\": {\"hash\": %.2f, \"users\": %.2f, \"follows\": "
      "%.2f, \"tweets\": %.2f, \"finish\": %.2f, \"total\": %.2f},\n"
      "  \"loaded_at\": \"%s\"\n"
      "}\n",
      preset.name, seed, preset.users, r.follows, r.tweets, r.first_user_id,
      r.max_user_id, r.ids_consecutive ? "true" : "false", kBenchEmailDomain,
      kBenchPassword, r.hash_seconds, r.users_seconds, r.follows_seconds,
      r.tweets_seconds, r.finish_seconds, total_seconds,
      absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::Now(), absl::UTCTimeZone()));
  out.close();
  if (!out) return absl::UnavailableError(absl::StrCat("cannot write ", path));
  return absl::OkStatus();
}

int Run() {
  absl::StatusOr<Preset> preset = PresetByName(absl::GetFlag(FLAGS_preset));
  if (!preset.ok()) {
    std::fprintf(stderr, "miniter-generate: %s\n",
                 std::string(preset.status().message()).c_str());
    return 2;
  }
  storage::MySqlOptions options;
  options.database_url = absl::GetFlag(FLAGS_database_url);
  if (options.database_url.empty()) {
    const char* env = std::getenv("MINITER_DATABASE_URL");
    if (env != nullptr) options.database_url = env;
  }
  if (options.database_url.empty()) {
    std::fprintf(stderr,
                 "miniter-generate: --database_url or MINITER_DATABASE_URL "
                 "is required\n");
    return 2;
  }
  // Bulk statements of a thousand rows can take a while on a busy disk.
  options.io_timeout = absl::Minutes(10);
  options.pool_size = 2;

  const Clock::time_point start = Clock::now();
  absl::StatusOr<std::vector<int>> applied = storage::ApplyMigrations(options);
  if (!applied.ok()) {
    std::fprintf(stderr, "miniter-generate: migrations: %s\n",
                 applied.status().ToString().c_str());
    return 1;
  }
  absl::StatusOr<bool> has_users = DatabaseHasUsers(options);
  if (!has_users.ok()) {
    std::fprintf(stderr, "miniter-generate: %s\n",
                 has_users.status().ToString().c_str());
    return 1;
  }
  if (*has_users && !absl::GetFlag(FLAGS_force)) {
    std::fprintf(stderr,
                 "miniter-generate: the database already has users; load "
                 "into an empty one, or pass --force to add to it\n");
    return 1;
  }

  absl::StatusOr<std::unique_ptr<storage::BulkLoader>> loader =
      storage::OpenMySqlBulkLoader(options);
  if (!loader.ok()) {
    std::fprintf(stderr, "miniter-generate: %s\n",
                 loader.status().ToString().c_str());
    return 1;
  }
  const std::uint64_t seed = absl::GetFlag(FLAGS_seed);
  std::printf(
      "miniter-generate: preset %s (%lld users, %d-%d follows each, "
      "%lld tweets), seed %llu\n",
      preset->name.c_str(), static_cast<long long>(preset->users),
      preset->min_follows, preset->max_follows,
      static_cast<long long>(preset->tweets),
      static_cast<unsigned long long>(seed));
  std::fflush(stdout);
  absl::StatusOr<LoadResult> result = Load(**loader, *preset, seed);
  if (!result.ok()) {
    std::fprintf(stderr, "miniter-generate: %s\n",
                 result.status().ToString().c_str());
    return 1;
  }
  const double total = SecondsSince(start);
  std::printf(
      "miniter-generate: done in %.1f s: %lld users (ids %llu-%llu), "
      "%lld follows, %lld tweets\n",
      total, static_cast<long long>(preset->users),
      static_cast<unsigned long long>(result->first_user_id),
      static_cast<unsigned long long>(result->max_user_id),
      static_cast<long long>(result->follows),
      static_cast<long long>(result->tweets));
  const std::string manifest = absl::GetFlag(FLAGS_manifest);
  if (!manifest.empty()) {
    absl::Status written =
        WriteManifest(manifest, *preset, seed, *result, total);
    if (!written.ok()) {
      std::fprintf(stderr, "miniter-generate: %s\n",
                   written.ToString().c_str());
      return 1;
    }
  }
  return 0;
}

}  // namespace
}  // namespace miniter::tools

int main(int argc, char** argv) {
  miniter::tools::ParseToolCommandLine(
      argc, argv, "miniter-generate", "tools/miniter_generate_main.cc",
      "loads a benchmark data set into an empty miniter database.\nAll users "
      "have the password \"benchmark password\". See bench/README.md.");
  return miniter::tools::Run();
}
