// redis_home_timeline_tier.cc: the entry format and the Lua scripts of the
// memory tier (see redis_home_timeline_tier.h).
//
// One sorted set per owner, key PREFIX<owner id>. Tweet ids are members
// named by their decimal id with the id as score (ids stay below 2^53, so
// the double score is exact). Meta data are members of score 0, which no
// id range reaches (ranges are exclusive of the floor, and the floor is
// >= 0):
//   c          the entry is complete (a build finished)
//   h:<id>     horizon: ids at or below it come from the database's
//              fallback query
//   f:<id>     floor (>= horizon): the entry holds every home id above it
//   m:<id>     a followee merged at read
//   b:<token>  a rebuild in progress (removed by Invalidate's DEL)
// One key per owner means an eviction (allkeys-lru) removes an entry as a
// whole, never half of it.
#include "server/storage/redis/redis_home_timeline_tier.h"

#include <algorithm>
#include <cstdint>
#include <functional>
#include <limits>
#include <utility>

#include "absl/random/random.h"
#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace miniter::storage::redis {
namespace {

// Trims an entry to ARGV-given retention: drops the oldest ids and raises
// the floor to the newest one dropped (never lowers it). Only complete
// entries are trimmed; an entry being built is bounded by its TTL.
constexpr const char* kTrimFunction = R"lua(
local function trim(key, retention)
  local count = redis.call('ZCOUNT', key, '(0', '+inf')
  if count <= retention then return end
  local drop = redis.call('ZRANGEBYSCORE', key, '(0', '+inf', 'LIMIT', 0, count - retention)
  local newest = drop[#drop]
  redis.call('ZREMRANGEBYSCORE', key, '(0', newest)
  for _, m in ipairs(redis.call('ZRANGEBYSCORE', key, 0, 0)) do
    if string.sub(m, 1, 2) == 'f:' then
      if tonumber(string.sub(m, 3)) < tonumber(newest) then
        redis.call('ZREM', key, m)
        redis.call('ZADD', key, 0, 'f:' .. newest)
      end
      return
    end
  end
end
)lua";

// KEYS[1] entry; ARGV[1] upper bound ("(ID" or "+inf"); ARGV[2] limit.
// Returns nil for a missing or incomplete entry, else {meta, ids}.
constexpr const char* kReadScript = R"lua(
local meta = redis.call('ZRANGEBYSCORE', KEYS[1], 0, 0)
local complete, floor = false, nil
for _, m in ipairs(meta) do
  if m == 'c' then complete = true
  elseif string.sub(m, 1, 2) == 'f:' then floor = string.sub(m, 3) end
end
if not complete or not floor then return false end
local ids = redis.call('ZREVRANGEBYSCORE', KEYS[1], ARGV[1], '(' .. floor,
                       'LIMIT', 0, tonumber(ARGV[2]))
return {meta, ids}
)lua";

// KEYS[1] entry; ARGV[1] token; ARGV[2] TTL in ms. 0 when the entry is
// already complete (nothing to build), 1 when the build is registered.
constexpr const char* kBeginBuildScript = R"lua(
if redis.call('ZSCORE', KEYS[1], 'c') then return 0 end
redis.call('ZADD', KEYS[1], 0, 'b:' .. ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
)lua";

// KEYS[1] entry; ARGV: token, horizon, floor, retention, merged count,
// merged ids..., then tweet ids. 1 when installed, 0 when refused (token
// gone: invalidated or evicted; or another build completed first).
constexpr const char* kFinishBuildBody = R"lua(
local key = KEYS[1]
local token = 'b:' .. ARGV[1]
if not redis.call('ZSCORE', key, token) then return 0 end
redis.call('ZREM', key, token)
if redis.call('ZSCORE', key, 'c') then return 0 end
local floor = ARGV[3]
redis.call('ZREMRANGEBYSCORE', key, '(0', floor)
redis.call('ZADD', key, 0, 'c', 0, 'h:' .. ARGV[2], 0, 'f:' .. floor)
local merged = tonumber(ARGV[5])
for i = 6, 5 + merged do redis.call('ZADD', key, 0, 'm:' .. ARGV[i]) end
local batch = {}
for i = 6 + merged, #ARGV do
  batch[#batch + 1] = ARGV[i]
  batch[#batch + 1] = ARGV[i]
  if #batch >= 1000 then
    redis.call('ZADD', key, unpack(batch))
    batch = {}
  end
end
if #batch > 0 then redis.call('ZADD', key, unpack(batch)) end
redis.call('PERSIST', key)
trim(key, tonumber(ARGV[4]))
return 1
)lua";

// KEYS: entries; ARGV[1] tweet id; ARGV[2] retention; ARGV[3] trim slack.
// Adds the id to every entry that exists; trims complete ones that grew
// past retention + slack (amortised: a trim reads the entry's ids).
constexpr const char* kAddBody = R"lua(
local id = ARGV[1]
local retention = tonumber(ARGV[2])
local slack = tonumber(ARGV[3])
local added = 0
for _, key in ipairs(KEYS) do
  if redis.call('EXISTS', key) == 1 then
    redis.call('ZADD', key, id, id)
    added = added + 1
    if redis.call('ZSCORE', key, 'c') and
       redis.call('ZCOUNT', key, '(0', '+inf') > retention + slack then
      trim(key, retention)
    end
  end
end
return added
)lua";

// Ids past retention an entry may hold before a fan-out trims it.
constexpr int kTrimSlack = 32;

std::string Bound(TweetId before) {
  return before == 0 || before == std::numeric_limits<TweetId>::max()
             ? std::string("+inf")
             : absl::StrCat("(", before);
}

bool ParseId(absl::string_view text, std::uint64_t& id) {
  return absl::SimpleAtoi(text, &id);
}

// Unusable until Redis answers and `repair` (what was missed meanwhile)
// succeeded; the server's start does not wait for it (MariaDB alone until
// then).
RedisBreakerOptions BreakerOptions(absl::Duration probe_period,
                                   std::function<absl::Status()> repair) {
  RedisBreakerOptions breaker;
  breaker.probe_period = probe_period;
  breaker.what = "memory tier";
  breaker.while_open =
      "reads and writes use the database alone until Redis answers and the "
      "writes it missed are repaired";
  breaker.when_closed = "in use";
  breaker.probe_before_return = false;
  breaker.on_recovery = std::move(repair);
  return breaker;
}

}  // namespace

absl::StatusOr<std::unique_ptr<RedisHomeTimelineTier>>
RedisHomeTimelineTier::Create(RedisTierOptions options) {
  absl::StatusOr<RedisClientOptions> client = RedisClientOptions::FromUrl(
      options.url, options.connect_timeout, options.io_timeout);
  if (!client.ok()) return client.status();
  if (options.retention < 1) {
    return absl::InvalidArgumentError("tier retention must be at least 1");
  }
  return std::unique_ptr<RedisHomeTimelineTier>(
      new RedisHomeTimelineTier(std::move(options), *std::move(client)));
}

RedisHomeTimelineTier::RedisHomeTimelineTier(RedisTierOptions options,
                                             RedisClientOptions client)
    : options_(std::move(options)),
      client_(std::move(client)),
      read_script_(kReadScript),
      begin_build_script_(kBeginBuildScript),
      finish_build_script_(absl::StrCat(kTrimFunction, kFinishBuildBody)),
      add_script_(absl::StrCat(kTrimFunction, kAddBody)),
      breaker_(client_, BreakerOptions(options_.probe_period,
                                       [this] { return Repair(); })) {}

RedisHomeTimelineTier::~RedisHomeTimelineTier() = default;

std::string RedisHomeTimelineTier::Key(UserId owner) const {
  return absl::StrCat(options_.key_prefix, owner);
}

bool RedisHomeTimelineTier::Usable() const { return breaker_.Usable(); }

bool RedisHomeTimelineTier::Writable() const {
  return breaker_.Usable() || breaker_.Recovering();
}

void RedisHomeTimelineTier::MarkFailed() {
  breaker_.Trip(absl::UnavailableError("a repair is due"));
}

void RedisHomeTimelineTier::Count(Operation operation,
                                  const absl::Status& status) {
  calls_[operation].fetch_add(1, std::memory_order_relaxed);
  if (!status.ok()) errors_[operation].fetch_add(1, std::memory_order_relaxed);
}

std::vector<RedisHomeTimelineTier::CallCount>
RedisHomeTimelineTier::CallCounts() const {
  static constexpr const char* kNames[kOperations] = {
      "read", "begin_build", "finish_build", "add_tweet", "invalidate"};
  std::vector<CallCount> counts;
  counts.reserve(kOperations);
  for (int operation = 0; operation < kOperations; ++operation) {
    counts.push_back({kNames[operation],
                      calls_[operation].load(std::memory_order_relaxed),
                      errors_[operation].load(std::memory_order_relaxed)});
  }
  return counts;
}

absl::Status RedisHomeTimelineTier::Note(absl::Status status) {
  if (absl::IsUnavailable(status)) breaker_.Trip(status);
  return status;
}

void RedisHomeTimelineTier::SetRepairHook(std::function<absl::Status()> hook) {
  const bool repair = hook != nullptr;
  {
    absl::MutexLock lock(&hook_mu_);
    repair_hook_ = std::move(hook);
  }
  // The prober may have found Redis before there was a hook: what a
  // crashed server left in the outbox must be applied before use.
  if (repair) MarkFailed();
}

absl::Status RedisHomeTimelineTier::Repair() {
  // The breaker is half open while this runs: writers write through
  // (Writable), so every write committed after the repair's sweep began
  // reaches the tier from its own writer, and every earlier one is in the
  // outbox the sweep reads. A write failing meanwhile trips the breaker,
  // which then repairs again at its next probe instead of closing. Held
  // while the hook runs, so SetRepairHook(nullptr) waits for a running
  // repair before its owner goes away.
  absl::MutexLock lock(&hook_mu_);
  return repair_hook_ ? repair_hook_() : absl::OkStatus();
}

absl::StatusOr<std::optional<TierPage>> RedisHomeTimelineTier::Read(
    UserId owner, TweetId before, int limit) {
  absl::StatusOr<RedisReply> reply = client_.Eval(
      read_script_, {Key(owner)}, {Bound(before), std::to_string(limit)});
  Count(kRead, reply.status());
  if (!reply.ok()) return Note(reply.status());
  if (reply->type != RedisReply::Type::kArray) return std::nullopt;
  if (reply->elements.size() != 2) {
    return absl::InternalError("memory tier: malformed read reply");
  }
  TierPage page;
  for (const RedisReply& member : reply->elements[0].elements) {
    absl::string_view text = member.str;
    std::uint64_t value = 0;
    if (text.size() < 2 || text[1] != ':' || !ParseId(text.substr(2), value)) {
      continue;  // "c", build tokens
    }
    switch (text[0]) {
      case 'h': page.horizon = value; break;
      case 'f': page.floor = value; break;
      case 'm': page.merged_followees.push_back(value); break;
      default: break;
    }
  }
  page.ids.reserve(reply->elements[1].elements.size());
  for (const RedisReply& member : reply->elements[1].elements) {
    std::uint64_t id = 0;
    if (ParseId(member.str, id)) page.ids.push_back(id);
  }
  return page;
}

absl::StatusOr<std::string> RedisHomeTimelineTier::BeginBuild(UserId owner) {
  thread_local absl::BitGen bitgen;
  std::string token = absl::StrCat(absl::Uniform<std::uint64_t>(bitgen), "-",
                                   absl::Uniform<std::uint64_t>(bitgen));
  absl::StatusOr<RedisReply> reply = client_.Eval(
      begin_build_script_, {Key(owner)},
      {token, std::to_string(absl::ToInt64Milliseconds(options_.build_ttl))});
  Count(kBeginBuild, reply.status());
  if (!reply.ok()) return Note(reply.status());
  if (reply->integer == 0) return std::string();  // already complete
  return token;
}

absl::Status RedisHomeTimelineTier::FinishBuild(UserId owner,
                                                const std::string& token,
                                                const TierSnapshot& snapshot) {
  std::vector<std::string> args;
  args.reserve(5 + snapshot.merged_followees.size() + snapshot.ids.size());
  args.push_back(token);
  args.push_back(std::to_string(snapshot.horizon));
  args.push_back(std::to_string(snapshot.floor));
  args.push_back(std::to_string(options_.retention));
  args.push_back(std::to_string(snapshot.merged_followees.size()));
  for (UserId author : snapshot.merged_followees) {
    args.push_back(std::to_string(author));
  }
  for (TweetId id : snapshot.ids) {
    if (id > snapshot.floor) args.push_back(std::to_string(id));
  }
  absl::StatusOr<RedisReply> reply =
      client_.Eval(finish_build_script_, {Key(owner)}, args);
  Count(kFinishBuild, reply.status());
  return Note(reply.status());
}

absl::Status RedisHomeTimelineTier::AddTweet(const std::vector<UserId>& owners,
                                             TweetId tweet) {
  if (owners.empty()) return absl::OkStatus();
  std::vector<std::string> keys;
  keys.reserve(owners.size());
  for (UserId owner : owners) keys.push_back(Key(owner));
  absl::StatusOr<RedisReply> reply =
      client_.Eval(add_script_, keys,
                   {std::to_string(tweet), std::to_string(options_.retention),
                    std::to_string(kTrimSlack)});
  Count(kAddTweet, reply.status());
  return Note(reply.status());
}

absl::Status RedisHomeTimelineTier::Invalidate(
    const std::vector<UserId>& owners) {
  if (owners.empty()) return absl::OkStatus();
  std::vector<std::string> argv;
  argv.reserve(owners.size() + 1);
  argv.emplace_back("DEL");
  for (UserId owner : owners) argv.push_back(Key(owner));
  absl::StatusOr<RedisReply> reply = client_.Command(argv);
  Count(kInvalidate, reply.status());
  return Note(reply.status());
}

}  // namespace miniter::storage::redis
