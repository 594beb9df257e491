// byte_size.h: sizes in bytes as operators write them ("256MiB", "1.5G")
// and as logs should show them ("64 MiB"), for memory settings.
#ifndef MINITER_SERVER_COMMON_BYTE_SIZE_H_
#define MINITER_SERVER_COMMON_BYTE_SIZE_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace miniter::common {

// Parses a number (whole or decimal) with an optional unit, letter case
// ignored: none or B; KiB/MiB/GiB/TiB, their short forms K/M/G/T and
// Ki/Mi/Gi/Ti (powers of 1024, as `ulimit`, `java -Xmx` and Kubernetes
// read them); KB/MB/GB/TB (powers of 1000). Blanks between number and unit
// are allowed. Rounds down to whole bytes. INVALID_ARGUMENT for anything
// else, for negative sizes, and for sizes of 2^63 bytes or more.
absl::StatusOr<std::uint64_t> ParseByteSize(absl::string_view text);

// "512 B", "64 MiB", "5.9 GiB": the largest binary unit the size reaches,
// with one decimal when it is not a whole number of that unit.
std::string FormatByteSize(std::uint64_t bytes);

}  // namespace miniter::common

#endif  // MINITER_SERVER_COMMON_BYTE_SIZE_H_
