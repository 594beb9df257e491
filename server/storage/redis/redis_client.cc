// redis_client.cc: hiredis connections, pooled, with timeouts; replies
// copied into RedisReply (see redis_client.h).
#include "server/storage/redis/redis_client.h"

#include <hiredis/hiredis.h>
#include <signal.h>
#include <sys/time.h>

#include <mutex>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace miniter::storage::redis {
namespace {

struct ReplyDeleter {
  void operator()(redisReply* reply) const { freeReplyObject(reply); }
};
using Reply = std::unique_ptr<redisReply, ReplyDeleter>;

timeval TimevalOf(absl::Duration duration) { return absl::ToTimeval(duration); }

// Copies hiredis's reply tree; an error reply anywhere becomes the status.
absl::Status Copy(const redisReply& from, RedisReply& to) {
  switch (from.type) {
    case REDIS_REPLY_STRING:
      to.type = RedisReply::Type::kString;
      to.str.assign(from.str, from.len);
      return absl::OkStatus();
    case REDIS_REPLY_STATUS:
      to.type = RedisReply::Type::kStatus;
      to.str.assign(from.str, from.len);
      return absl::OkStatus();
    case REDIS_REPLY_INTEGER:
      to.type = RedisReply::Type::kInteger;
      to.integer = from.integer;
      return absl::OkStatus();
    case REDIS_REPLY_NIL:
      to.type = RedisReply::Type::kNil;
      return absl::OkStatus();
    case REDIS_REPLY_ARRAY:
      to.type = RedisReply::Type::kArray;
      to.elements.resize(from.elements);
      for (size_t i = 0; i < from.elements; ++i) {
        absl::Status status = Copy(*from.element[i], to.elements[i]);
        if (!status.ok()) return status;
      }
      return absl::OkStatus();
    case REDIS_REPLY_ERROR:
      return absl::InternalError(
          absl::StrCat("redis: ", absl::string_view(from.str, from.len)));
    default: return absl::InternalError("redis: unexpected reply type");
  }
}

}  // namespace

absl::StatusOr<RedisEndpoint> ParseRedisUrl(absl::string_view url) {
  RedisEndpoint endpoint;
  absl::string_view rest = url;
  if (absl::ConsumePrefix(&rest, "unix://")) {
    if (rest.empty() || rest.front() != '/') {
      return absl::InvalidArgumentError(
          "redis URL: unix:// needs an absolute socket path "
          "(unix:///path/to/redis.sock)");
    }
    endpoint.unix_socket = std::string(rest);
    return endpoint;
  }
  if (!absl::ConsumePrefix(&rest, "redis://")) {
    return absl::InvalidArgumentError(
        "redis URL must be redis://HOST[:PORT] or unix:///PATH");
  }
  absl::ConsumeSuffix(&rest, "/");
  if (rest.empty() || absl::StrContains(rest, "@") ||
      absl::StrContains(rest, "/")) {
    return absl::InvalidArgumentError(
        "redis URL: expected redis://HOST[:PORT] (no user, password or "
        "database number)");
  }
  endpoint.port = 6379;
  const size_t colon = rest.rfind(':');
  if (colon != absl::string_view::npos && rest.front() != '[') {
    int port = 0;
    if (!absl::SimpleAtoi(rest.substr(colon + 1), &port) || port < 1 ||
        port > 65535) {
      return absl::InvalidArgumentError("redis URL: bad port");
    }
    endpoint.port = port;
    rest = rest.substr(0, colon);
  }
  if (rest.empty()) return absl::InvalidArgumentError("redis URL: no host");
  endpoint.host = std::string(rest);
  return endpoint;
}

absl::StatusOr<RedisClientOptions> RedisClientOptions::FromUrl(
    absl::string_view url, absl::Duration connect_timeout,
    absl::Duration io_timeout) {
  absl::StatusOr<RedisEndpoint> endpoint = ParseRedisUrl(url);
  if (!endpoint.ok()) return endpoint.status();
  RedisClientOptions options;
  options.endpoint = *std::move(endpoint);
  options.connect_timeout = connect_timeout;
  options.io_timeout = io_timeout;
  return options;
}

void RedisClient::ContextDeleter::operator()(redisContext* context) const {
  redisFree(context);
}

RedisClient::RedisClient(RedisClientOptions options)
    : options_(std::move(options)) {
  // hiredis sends with write(2): on a connection Redis has closed (killed,
  // restarted) that raises SIGPIPE, whose default action ends the whole
  // server instead of returning EPIPE to this call. Ignored unless the
  // program installed a handler of its own.
  static std::once_flag ignore_sigpipe;
  std::call_once(ignore_sigpipe, [] {
    struct sigaction current {};
    if (sigaction(SIGPIPE, nullptr, &current) == 0 &&
        current.sa_handler == SIG_DFL) {
      signal(SIGPIPE, SIG_IGN);
    }
  });
}

RedisClient::~RedisClient() = default;

absl::StatusOr<RedisClient::Context> RedisClient::Acquire() {
  {
    absl::MutexLock lock(&mu_);
    if (!idle_.empty()) {
      Context context = std::move(idle_.back());
      idle_.pop_back();
      return context;
    }
  }
  const timeval connect_timeout = TimevalOf(options_.connect_timeout);
  Context context(
      options_.endpoint.unix_socket.empty()
          ? redisConnectWithTimeout(options_.endpoint.host.c_str(),
                                    options_.endpoint.port, connect_timeout)
          : redisConnectUnixWithTimeout(options_.endpoint.unix_socket.c_str(),
                                        connect_timeout));
  if (context == nullptr) return absl::UnavailableError("redis: out of memory");
  if (context->err != 0) {
    return absl::UnavailableError(
        absl::StrCat("redis: cannot connect: ", context->errstr));
  }
  if (redisSetTimeout(context.get(), TimevalOf(options_.io_timeout)) !=
      REDIS_OK) {
    return absl::UnavailableError("redis: cannot set the I/O timeout");
  }
  if (options_.endpoint.unix_socket.empty())
    redisEnableKeepAlive(context.get());
  return context;
}

void RedisClient::Release(Context context) {
  absl::MutexLock lock(&mu_);
  if (static_cast<int>(idle_.size()) < options_.max_idle) {
    idle_.push_back(std::move(context));
  }
}

absl::StatusOr<RedisReply> RedisClient::CommandOn(
    Context& context, const std::vector<std::string>& argv) {
  std::vector<const char*> pointers;
  std::vector<size_t> lengths;
  pointers.reserve(argv.size());
  lengths.reserve(argv.size());
  for (const std::string& arg : argv) {
    pointers.push_back(arg.data());
    lengths.push_back(arg.size());
  }
  Reply reply(static_cast<redisReply*>(
      redisCommandArgv(context.get(), static_cast<int>(argv.size()),
                       pointers.data(), lengths.data())));
  if (reply == nullptr) {
    // Transport error (or timeout): the connection's state is unknown.
    std::string error = context->errstr;
    context.reset();
    return absl::UnavailableError(absl::StrCat("redis: ", error));
  }
  RedisReply copy;
  absl::Status status = Copy(*reply, copy);
  if (!status.ok()) return status;
  return copy;
}

absl::StatusOr<RedisReply> RedisClient::Command(
    const std::vector<std::string>& argv) {
  absl::StatusOr<Context> context = Acquire();
  if (!context.ok()) return context.status();
  absl::StatusOr<RedisReply> reply = CommandOn(*context, argv);
  if (*context != nullptr) Release(*std::move(context));
  return reply;
}

absl::StatusOr<std::string> RedisClient::Load(Context& context,
                                              RedisScript& script) {
  absl::StatusOr<RedisReply> sha =
      CommandOn(context, {"SCRIPT", "LOAD", script.source()});
  if (!sha.ok()) return sha.status();
  absl::MutexLock lock(&script.mu_);
  script.sha1_ = sha->str;
  return sha->str;
}

absl::StatusOr<RedisReply> RedisClient::Eval(
    RedisScript& script, const std::vector<std::string>& keys,
    const std::vector<std::string>& args) {
  absl::StatusOr<Context> context = Acquire();
  if (!context.ok()) return context.status();
  std::string sha1;
  {
    absl::MutexLock lock(&script.mu_);
    sha1 = script.sha1_;
  }
  absl::StatusOr<RedisReply> reply;
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (sha1.empty()) {
      absl::StatusOr<std::string> loaded = Load(*context, script);
      if (!loaded.ok()) {
        reply = loaded.status();
        break;
      }
      sha1 = *loaded;
    }
    std::vector<std::string> argv;
    argv.reserve(3 + keys.size() + args.size());
    argv.emplace_back("EVALSHA");
    argv.push_back(sha1);
    argv.push_back(std::to_string(keys.size()));
    argv.insert(argv.end(), keys.begin(), keys.end());
    argv.insert(argv.end(), args.begin(), args.end());
    reply = CommandOn(*context, argv);
    // A restarted or flushed Redis forgets scripts: load and run again.
    if (!reply.ok() &&
        absl::StrContains(reply.status().message(), "NOSCRIPT") &&
        *context != nullptr) {
      sha1.clear();
      continue;
    }
    break;
  }
  if (*context != nullptr) Release(*std::move(context));
  return reply;
}

}  // namespace miniter::storage::redis
