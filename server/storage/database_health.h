// database_health.h: the storage interface the health checker polls.
#ifndef MINITER_SERVER_STORAGE_DATABASE_HEALTH_H_
#define MINITER_SERVER_STORAGE_DATABASE_HEALTH_H_

#include "absl/status/status.h"

namespace miniter::storage {

// Answers whether the database can serve requests right now.
class DatabaseHealth {
 public:
  virtual ~DatabaseHealth() = default;

  // OK when a round trip to the database succeeded; UNAVAILABLE otherwise.
  // Thread-safe; bounded by the connection's timeouts.
  virtual absl::Status Ping() = 0;
};

}  // namespace miniter::storage

#endif  // MINITER_SERVER_STORAGE_DATABASE_HEALTH_H_
