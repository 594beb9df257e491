// name_key_fill.h: gives users created before migration 0006 their search
// key (users.name_key), which SQL cannot compute (no collation does full
// Unicode case folding).
#ifndef MINITER_SERVER_RULES_NAME_KEY_FILL_H_
#define MINITER_SERVER_RULES_NAME_KEY_FILL_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "server/storage/user_store.h"

namespace miniter::rules {

// Users read and written per round trip: small enough that each UPDATE
// holds one row lock for a moment, large enough that a million old users
// take minutes, not hours.
inline constexpr int kNameKeyFillBatch = 500;

// Sets NameKey(name) for every user whose key is missing, in batches, until
// none is left; returns how many it set. Run at server start-up, before the
// server serves, so SearchUsers finds every user that existed then. Safe
// beside other servers doing the same (a key is written only where it is
// still missing). A name that is not valid UTF-8 (never accepted by
// SignUp) gets the name itself as its key, so the fill always ends.
absl::StatusOr<std::int64_t> FillMissingNameKeys(storage::UserStore& users);

}  // namespace miniter::rules

#endif  // MINITER_SERVER_RULES_NAME_KEY_FILL_H_
