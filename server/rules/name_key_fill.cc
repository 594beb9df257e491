// name_key_fill.cc: see the header.
#include "server/rules/name_key_fill.h"

#include <string>
#include <vector>

#include "server/rules/text_rules.h"

namespace miniter::rules {

absl::StatusOr<std::int64_t> FillMissingNameKeys(storage::UserStore& users) {
  std::int64_t filled = 0;
  while (true) {
    absl::StatusOr<std::vector<storage::UnkeyedUser>> batch =
        users.ListUsersWithoutNameKey(kNameKeyFillBatch);
    if (!batch.ok()) return batch.status();
    if (batch->empty()) return filled;
    for (const storage::UnkeyedUser& user : *batch) {
      absl::StatusOr<std::string> key = NameKey(user.name);
      absl::Status set =
          users.SetMissingNameKey(user.id, key.ok() ? *key : user.name);
      if (!set.ok()) return set;
      ++filled;
    }
  }
}

}  // namespace miniter::rules
