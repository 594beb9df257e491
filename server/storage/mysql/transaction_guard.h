// transaction_guard.h: an explicit transaction on a pooled connection that
// rolls back unless Commit() was called, so no early return or exception
// can leave a transaction open on a connection that goes back to the pool.
#ifndef MINITER_SERVER_STORAGE_MYSQL_TRANSACTION_GUARD_H_
#define MINITER_SERVER_STORAGE_MYSQL_TRANSACTION_GUARD_H_

#include "server/storage/mysql/pooled_connection.h"

namespace miniter::storage::mysql {

// Use inside a RunWithRetry body. START TRANSACTION / COMMIT are sent as
// statements (one round trip each) rather than toggling autocommit, which
// would cost two more; the session stays autocommit=1 outside the guard.
// The constructor and Commit() throw sql::SQLException like any query.
class TransactionGuard {
 public:
  explicit TransactionGuard(PooledConnection& connection);
  ~TransactionGuard();
  TransactionGuard(const TransactionGuard&) = delete;
  TransactionGuard& operator=(const TransactionGuard&) = delete;

  // Commits; with innodb_flush_log_at_trx_commit=1 the writes are durable
  // when this returns.
  void Commit();

 private:
  PooledConnection& connection_;
  bool done_ = false;
};

}  // namespace miniter::storage::mysql

#endif  // MINITER_SERVER_STORAGE_MYSQL_TRANSACTION_GUARD_H_
