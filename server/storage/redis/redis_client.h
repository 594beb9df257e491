// redis_client.h: a small synchronous Redis client on hiredis: a pool of
// connections with connect and I/O timeouts, replies copied into plain
// values, Lua scripts run by their SHA1 and loaded on demand.
//
// Errors never throw: a transport failure (refused, reset, timed out) is
// UNAVAILABLE and drops the connection; an error reply from Redis is
// INTERNAL with Redis's message.
#ifndef MINITER_SERVER_STORAGE_REDIS_REDIS_CLIENT_H_
#define MINITER_SERVER_STORAGE_REDIS_REDIS_CLIENT_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

struct redisContext;

namespace miniter::storage::redis {

// A reply, copied out of hiredis's tree.
struct RedisReply {
  enum class Type { kString, kArray, kInteger, kNil, kStatus };
  Type type = Type::kNil;
  long long integer = 0;
  std::string str;                   // kString and kStatus
  std::vector<RedisReply> elements;  // kArray
};

// Where the server is: a TCP host and port, or a Unix socket path.
struct RedisEndpoint {
  std::string host;
  int port = 0;
  std::string unix_socket;  // non-empty: connect here instead
};

// Parses redis://HOST[:PORT] (port 6379 by default) or unix:///ABS/PATH.
// INVALID_ARGUMENT for anything else (user names, passwords and database
// numbers are not supported: the tier runs on a private instance).
absl::StatusOr<RedisEndpoint> ParseRedisUrl(absl::string_view url);

// A Lua script and its SHA1 once Redis told it (SCRIPT LOAD).
class RedisScript {
 public:
  explicit RedisScript(std::string source) : source_(std::move(source)) {}
  const std::string& source() const { return source_; }

 private:
  friend class RedisClient;
  const std::string source_;
  absl::Mutex mu_;
  std::string sha1_ ABSL_GUARDED_BY(mu_);
};

struct RedisClientOptions {
  // The options of a client of the Redis at `url` (ParseRedisUrl's forms)
  // with these timeouts: how the memory tier, the shared rate limits and
  // tests all build theirs. INVALID_ARGUMENT for a malformed URL.
  static absl::StatusOr<RedisClientOptions> FromUrl(
      absl::string_view url, absl::Duration connect_timeout,
      absl::Duration io_timeout);

  RedisEndpoint endpoint;
  absl::Duration connect_timeout = absl::Milliseconds(250);
  // Per command: a paused or overloaded Redis costs a caller at most this
  // long before UNAVAILABLE (and the tier is then skipped until it is back).
  absl::Duration io_timeout = absl::Milliseconds(250);
  // Connections kept open between calls; more are opened under load and
  // closed when returned beyond this number.
  int max_idle = 16;
};

// Thread-safe.
class RedisClient {
 public:
  explicit RedisClient(RedisClientOptions options);
  ~RedisClient();
  RedisClient(const RedisClient&) = delete;
  RedisClient& operator=(const RedisClient&) = delete;

  // Runs one command (arguments are binary-safe).
  absl::StatusOr<RedisReply> Command(const std::vector<std::string>& argv);

  // EVALSHA `script` with `keys` and `args`, loading it first when Redis
  // does not know it (a new or restarted server).
  absl::StatusOr<RedisReply> Eval(RedisScript& script,
                                  const std::vector<std::string>& keys,
                                  const std::vector<std::string>& args);

 private:
  struct ContextDeleter {
    void operator()(redisContext* context) const;
  };
  using Context = std::unique_ptr<redisContext, ContextDeleter>;

  absl::StatusOr<Context> Acquire();
  void Release(Context context);
  absl::StatusOr<RedisReply> CommandOn(Context& context,
                                       const std::vector<std::string>& argv);
  absl::StatusOr<std::string> Load(Context& context, RedisScript& script);

  const RedisClientOptions options_;
  absl::Mutex mu_;
  std::vector<Context> idle_ ABSL_GUARDED_BY(mu_);
};

}  // namespace miniter::storage::redis

#endif  // MINITER_SERVER_STORAGE_REDIS_REDIS_CLIENT_H_
