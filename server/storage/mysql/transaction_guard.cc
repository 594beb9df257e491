// transaction_guard.cc: START TRANSACTION ... COMMIT, or ROLLBACK on scope
// exit (see transaction_guard.h).
#include "server/storage/mysql/transaction_guard.h"

#include <exception>

namespace miniter::storage::mysql {

TransactionGuard::TransactionGuard(PooledConnection& connection)
    : connection_(connection) {
  connection_.Execute("START TRANSACTION");
}

TransactionGuard::~TransactionGuard() {
  if (done_) return;
  try {
    connection_.Execute("ROLLBACK");
  } catch (const std::exception&) {
    // A transaction may still be open on it: never hand it out again.
    connection_.MarkUnusable();
  }
}

void TransactionGuard::Commit() {
  // If COMMIT throws, done_ stays false and the destructor rolls back
  // whatever is left (nothing, if the server did commit).
  connection_.Execute("COMMIT");
  done_ = true;
}

}  // namespace miniter::storage::mysql
