// test_redis.h: how storage tests reach a Redis: the shared one of the ctest
// fixture miniter_redis, or a private redis-server of their own that a test
// may pause or kill (an outage) without disturbing the suites sharing the
// fixture's.
#ifndef MINITER_TESTS_STORAGE_TEST_REDIS_H_
#define MINITER_TESTS_STORAGE_TEST_REDIS_H_

#include <sys/types.h>

#include <string>

namespace miniter::storage {

// $MINITER_TEST_REDIS_URL, else the first line of the file named by
// $MINITER_TEST_REDIS_URL_FILE (the ctest fixture miniter_redis); empty
// when neither is set.
std::string RedisUrlFromEnvironment();

// A redis-server child process on a Unix socket in a fresh directory under
// /tmp (socket paths are short), nothing persisted. Killed and removed by
// the destructor. Not thread-safe: one test thread drives it.
class PrivateRedis {
 public:
  PrivateRedis();
  ~PrivateRedis();
  PrivateRedis(const PrivateRedis&) = delete;
  PrivateRedis& operator=(const PrivateRedis&) = delete;

  // Empty when it did not start (redis-server missing or not answering
  // within 10 s).
  const std::string& url() const { return url_; }
  // SIGSTOP: connections stay open but nothing answers (a hung host).
  void Pause();
  // SIGCONT after Pause.
  void Resume();
  // SIGKILL: connections are reset and new ones refused.
  void Kill();
  // After Kill: a new, empty redis-server on the same socket (url() stays
  // valid), as a supervisor restarting a crashed one would leave it. False
  // when it does not answer within 10 s.
  bool Restart();

 private:
  // Runs redis-server on dir_'s socket and waits for PING; sets pid_.
  bool Start();

  std::string dir_;
  std::string url_;
  pid_t pid_ = -1;
};

}  // namespace miniter::storage

#endif  // MINITER_TESTS_STORAGE_TEST_REDIS_H_
