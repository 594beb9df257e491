// connection_lease.cc: hands the connection back to its pool (see the .h).
#include "server/storage/mysql/connection_lease.h"

#include <utility>

#include "server/storage/mysql/connection_pool.h"

namespace miniter::storage::mysql {

ConnectionLease::ConnectionLease(ConnectionPool* pool,
                                 std::unique_ptr<PooledConnection> connection)
    : pool_(pool), connection_(std::move(connection)) {}

ConnectionLease::~ConnectionLease() { Return(); }

ConnectionLease::ConnectionLease(ConnectionLease&& other) noexcept
    : pool_(other.pool_),
      connection_(std::move(other.connection_)),
      broken_(other.broken_) {}

ConnectionLease& ConnectionLease::operator=(ConnectionLease&& other) noexcept {
  if (this != &other) {
    Return();
    pool_ = other.pool_;
    connection_ = std::move(other.connection_);
    broken_ = other.broken_;
  }
  return *this;
}

void ConnectionLease::Return() {
  if (connection_ != nullptr && pool_ != nullptr) {
    pool_->Release(std::move(connection_), broken_);
  }
}

}  // namespace miniter::storage::mysql
