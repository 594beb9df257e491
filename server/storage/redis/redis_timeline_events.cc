// redis_timeline_events.cc: PUBLISH from a queue, SUBSCRIBE on one
// connection read with poll(2), so that the thread notices shutdown.
#include "server/storage/redis/redis_timeline_events.h"

#include <hiredis/hiredis.h>
#include <poll.h>

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/random/random.h"
#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "server/common/log.h"

namespace miniter::storage::redis {
namespace {

constexpr char kFormat[] = "w1";

struct ContextDeleter {
  void operator()(redisContext* context) const { redisFree(context); }
};
using Context = std::unique_ptr<redisContext, ContextDeleter>;
struct ReplyDeleter {
  void operator()(redisReply* reply) const { freeReplyObject(reply); }
};
using Reply = std::unique_ptr<redisReply, ReplyDeleter>;

absl::StatusOr<Context> Connect(const RedisClientOptions& options) {
  const timeval timeout = absl::ToTimeval(options.connect_timeout);
  Context context(options.endpoint.unix_socket.empty()
                      ? redisConnectWithTimeout(options.endpoint.host.c_str(),
                                                options.endpoint.port, timeout)
                      : redisConnectUnixWithTimeout(
                            options.endpoint.unix_socket.c_str(), timeout));
  if (context == nullptr) return absl::UnavailableError("redis: out of memory");
  if (context->err != 0) {
    return absl::UnavailableError(
        absl::StrCat("redis: cannot connect: ", context->errstr));
  }
  redisSetTimeout(context.get(), absl::ToTimeval(options.io_timeout));
  if (options.endpoint.unix_socket.empty()) redisEnableKeepAlive(context.get());
  return context;
}

// The next reply already read into `context`'s buffer, else reads what
// arrives within `wait`. nullptr with `*broken` false: nothing yet.
Reply NextReply(redisContext* context, absl::Duration wait, bool* broken) {
  *broken = false;
  void* raw = nullptr;
  if (redisReaderGetReply(context->reader, &raw) != REDIS_OK) {
    *broken = true;
    return nullptr;
  }
  if (raw != nullptr) return Reply(static_cast<redisReply*>(raw));
  pollfd fd{context->fd, POLLIN, 0};
  const int ready =
      poll(&fd, 1, static_cast<int>(absl::ToInt64Milliseconds(wait)));
  if (ready < 0) return nullptr;  // EINTR: try again
  if (ready == 0) return nullptr;
  if (redisBufferRead(context) != REDIS_OK) {
    *broken = true;
    return nullptr;
  }
  if (redisReaderGetReply(context->reader, &raw) != REDIS_OK) {
    *broken = true;
    return nullptr;
  }
  return Reply(static_cast<redisReply*>(raw));
}

}  // namespace

std::string FormatTimelineEvent(std::uint64_t origin,
                                const TimelineEvent& event) {
  return absl::StrCat(kFormat, " ", origin, " ", static_cast<int>(event.kind),
                      " ", event.user, " ", event.followee, " ", event.tweet,
                      " ", absl::ToUnixMicros(event.at));
}

std::optional<std::pair<std::uint64_t, TimelineEvent>> ParseTimelineEvent(
    absl::string_view message) {
  const std::vector<absl::string_view> fields = absl::StrSplit(message, ' ');
  if (fields.size() != 7 || fields[0] != kFormat) return std::nullopt;
  std::uint64_t origin = 0;
  int kind = 0;
  TimelineEvent event;
  int64_t micros = 0;
  if (!absl::SimpleAtoi(fields[1], &origin) ||
      !absl::SimpleAtoi(fields[2], &kind) ||
      !absl::SimpleAtoi(fields[3], &event.user) ||
      !absl::SimpleAtoi(fields[4], &event.followee) ||
      !absl::SimpleAtoi(fields[5], &event.tweet) ||
      !absl::SimpleAtoi(fields[6], &micros) ||
      kind < static_cast<int>(TimelineEvent::Kind::kTweet) ||
      kind > static_cast<int>(TimelineEvent::Kind::kUnfollow)) {
    return std::nullopt;
  }
  event.kind = static_cast<TimelineEvent::Kind>(kind);
  event.at = absl::FromUnixMicros(micros);
  return std::make_pair(origin, event);
}

absl::StatusOr<std::unique_ptr<RedisTimelineEvents>>
RedisTimelineEvents::Create(RedisTimelineEventsOptions options) {
  absl::StatusOr<RedisClientOptions> client = RedisClientOptions::FromUrl(
      options.url, options.io_timeout, options.io_timeout);
  if (!client.ok()) return client.status();
  client->max_idle = 1;
  return std::unique_ptr<RedisTimelineEvents>(
      new RedisTimelineEvents(std::move(options), *std::move(client)));
}

RedisTimelineEvents::RedisTimelineEvents(RedisTimelineEventsOptions options,
                                         RedisClientOptions client)
    : options_(std::move(options)),
      client_options_(client),
      origin_(absl::Uniform<std::uint64_t>(absl::BitGen())),
      publisher_(std::move(client)) {
  publish_thread_ = std::thread([this] { PublishLoop(); });
}

RedisTimelineEvents::~RedisTimelineEvents() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  publish_thread_.join();
  if (subscribe_thread_.joinable()) subscribe_thread_.join();
}

void RedisTimelineEvents::Publish(const TimelineEvent& event) {
  std::string message = FormatTimelineEvent(origin_, event);
  absl::MutexLock lock(&mu_);
  if (stopping_ || static_cast<int>(queued_.size()) >= options_.max_queued) {
    return;
  }
  queued_.push_back(std::move(message));
}

void RedisTimelineEvents::Subscribe(TimelineEventListener listener) {
  subscribe_thread_ = std::thread(
      [this, listener = std::move(listener)] { SubscribeLoop(listener); });
}

bool RedisTimelineEvents::Subscribed() const {
  absl::MutexLock lock(&mu_);
  return subscribed_;
}

bool RedisTimelineEvents::Stopping() const {
  absl::MutexLock lock(&mu_);
  return stopping_;
}

void RedisTimelineEvents::PublishLoop() {
  while (true) {
    std::string message;
    {
      absl::MutexLock lock(&mu_);
      auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return stopping_ || !queued_.empty();
      };
      mu_.Await(absl::Condition(&ready));
      if (stopping_) return;
      message = std::move(queued_.front());
      queued_.pop_front();
    }
    // Best effort: a failure loses this message only (streams re-read).
    // But a transport failure may be only the pooled connection's: one from
    // before a Redis restart fails at its first use and is dropped, so a
    // second try connects anew. Without it the first message after every
    // restart would be lost although Redis is back. Publishing twice is
    // harmless (a listener re-reads once more).
    for (int attempt = 0; attempt < 2; ++attempt) {
      absl::Status sent =
          publisher_.Command({"PUBLISH", options_.channel, message}).status();
      if (!absl::IsUnavailable(sent)) break;
    }
  }
}

void RedisTimelineEvents::SubscribeLoop(const TimelineEventListener& listener) {
  constexpr absl::Duration kPoll = absl::Milliseconds(200);
  absl::Duration backoff = absl::Milliseconds(100);
  bool ever_subscribed = false;
  bool logged_down = false;
  while (!Stopping()) {
    absl::StatusOr<Context> context = Connect(client_options_);
    if (context.ok()) {
      Reply reply(static_cast<redisReply*>(
          redisCommand(context->get(), "SUBSCRIBE %b", options_.channel.data(),
                       options_.channel.size())));
      if (reply == nullptr || reply->type != REDIS_REPLY_ARRAY) {
        context = absl::UnavailableError("redis: SUBSCRIBE failed");
      }
    }
    if (!context.ok()) {
      if (!logged_down) {
        common::LogLine(
            common::LogLevel::kWarning,
            absl::StrCat("WatchTimeline change channel: Redis unreachable (",
                         context.status().message(),
                         "); streams rely on their periodic re-read"));
        logged_down = true;
      }
      absl::SleepFor(backoff);
      backoff = std::min(backoff * 2, absl::Seconds(2));
      continue;
    }
    backoff = absl::Milliseconds(100);
    {
      absl::MutexLock lock(&mu_);
      subscribed_ = true;
    }
    if (ever_subscribed || logged_down) {
      common::LogLine("WatchTimeline change channel: subscribed again");
      // Whatever was published while we were away is lost: re-read.
      if (listener.on_maybe_lost) listener.on_maybe_lost();
    }
    ever_subscribed = true;
    logged_down = false;
    while (!Stopping()) {
      bool broken = false;
      Reply message = NextReply(context->get(), kPoll, &broken);
      if (broken) break;
      if (message == nullptr) continue;
      // ["message", channel, payload]
      if (message->type != REDIS_REPLY_ARRAY || message->elements != 3 ||
          message->element[2]->type != REDIS_REPLY_STRING) {
        continue;
      }
      std::optional<std::pair<std::uint64_t, TimelineEvent>> event =
          ParseTimelineEvent(absl::string_view(message->element[2]->str,
                                               message->element[2]->len));
      if (!event.has_value() || event->first == origin_) continue;
      if (listener.on_event) listener.on_event(event->second);
    }
    absl::MutexLock lock(&mu_);
    subscribed_ = false;
  }
}

}  // namespace miniter::storage::redis
