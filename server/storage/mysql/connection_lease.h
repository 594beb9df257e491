// connection_lease.h: a connection borrowed from a ConnectionPool; returning
// it is the destructor's job, so no code path can leak one.
#ifndef MINITER_SERVER_STORAGE_MYSQL_CONNECTION_LEASE_H_
#define MINITER_SERVER_STORAGE_MYSQL_CONNECTION_LEASE_H_

#include <memory>

#include "server/storage/mysql/pooled_connection.h"

namespace miniter::storage::mysql {

class ConnectionPool;

// Move-only. The pool must outlive its leases (the stores keep the pool in a
// shared_ptr and hold a lease only within one call).
class ConnectionLease {
 public:
  ConnectionLease(ConnectionPool* pool,
                  std::unique_ptr<PooledConnection> connection);
  ~ConnectionLease();
  ConnectionLease(ConnectionLease&& other) noexcept;
  ConnectionLease& operator=(ConnectionLease&& other) noexcept;
  ConnectionLease(const ConnectionLease&) = delete;
  ConnectionLease& operator=(const ConnectionLease&) = delete;

  PooledConnection& operator*() const { return *connection_; }
  PooledConnection* operator->() const { return connection_.get(); }

  // The connection failed in a way that leaves its state unknown (lost,
  // killed, timed out mid-read): close it instead of reusing it.
  void MarkBroken() { broken_ = true; }

 private:
  void Return();

  ConnectionPool* pool_;
  std::unique_ptr<PooledConnection> connection_;
  bool broken_ = false;
};

}  // namespace miniter::storage::mysql

#endif  // MINITER_SERVER_STORAGE_MYSQL_CONNECTION_LEASE_H_
