// byte_size.cc: parsing and formatting of byte sizes.
#include "server/common/byte_size.h"

#include <cmath>
#include <cstddef>
#include <iterator>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace miniter::common {
namespace {

struct Unit {
  const char* name;
  double bytes;
};

constexpr double kKi = 1024.0;
constexpr double kK = 1000.0;
constexpr Unit kUnits[] = {
    {"", 1},
    {"b", 1},
    {"k", kKi},
    {"ki", kKi},
    {"kib", kKi},
    {"kb", kK},
    {"m", kKi* kKi},
    {"mi", kKi* kKi},
    {"mib", kKi* kKi},
    {"mb", kK* kK},
    {"g", kKi* kKi* kKi},
    {"gi", kKi* kKi* kKi},
    {"gib", kKi* kKi* kKi},
    {"gb", kK* kK* kK},
    {"t", kKi* kKi* kKi* kKi},
    {"ti", kKi* kKi* kKi* kKi},
    {"tib", kKi* kKi* kKi* kKi},
    {"tb", kK* kK* kK* kK},
};

absl::Status BadSize(absl::string_view text) {
  return absl::InvalidArgumentError(absl::StrCat(
      "\"", text,
      "\" is not a size in bytes; write e.g. 268435456, 256MiB or 1.5GiB"));
}

}  // namespace

absl::StatusOr<std::uint64_t> ParseByteSize(absl::string_view text) {
  const absl::string_view trimmed = absl::StripAsciiWhitespace(text);
  std::size_t number_end = 0;
  while (number_end < trimmed.size() &&
         (absl::ascii_isdigit(trimmed[number_end]) ||
          trimmed[number_end] == '.')) {
    ++number_end;
  }
  double number = 0;
  if (number_end == 0 ||
      !absl::SimpleAtod(trimmed.substr(0, number_end), &number)) {
    return BadSize(text);
  }
  const std::string unit = absl::AsciiStrToLower(
      absl::StripLeadingAsciiWhitespace(trimmed.substr(number_end)));
  for (const Unit& candidate : kUnits) {
    if (unit != candidate.name) continue;
    const double bytes = std::floor(number * candidate.bytes);
    // 2^63: keeps the result usable as a signed size everywhere.
    if (!(bytes < 9223372036854775808.0)) {
      return absl::InvalidArgumentError(
          absl::StrCat("size \"", text, "\" is too large"));
    }
    return static_cast<std::uint64_t>(bytes);
  }
  return BadSize(text);
}

std::string FormatByteSize(std::uint64_t bytes) {
  static constexpr const char* kNames[] = {"B",   "KiB", "MiB", "GiB",
                                           "TiB", "PiB", "EiB"};
  int unit = 0;
  double value = static_cast<double>(bytes);
  while (value >= 1024.0 && unit + 1 < static_cast<int>(std::size(kNames))) {
    value /= 1024.0;
    ++unit;
  }
  if (value == std::floor(value)) {
    return absl::StrFormat("%.0f %s", value, kNames[unit]);
  }
  return absl::StrFormat("%.1f %s", value, kNames[unit]);
}

}  // namespace miniter::common
