// exposition.cc: a line-by-line reader of the text exposition format.
#include "tests/metrics/exposition.h"

#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace miniter::testing {

absl::StatusOr<std::map<std::string, double>> ParseExposition(
    const std::string& text) {
  std::map<std::string, double> samples;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (line.empty() || line.front() == '#') continue;
    const std::size_t space = line.rfind(' ');
    double value = 0;
    const absl::string_view written =
        space == absl::string_view::npos ? "" : line.substr(space + 1);
    const bool parsed = written == "+Inf" || written == "-Inf" ||
                        written == "NaN" || absl::SimpleAtod(written, &value);
    if (space == absl::string_view::npos || space == 0 || !parsed) {
      return absl::InvalidArgumentError(
          absl::StrCat("not a sample line: \"", line, "\""));
    }
    if (!samples.emplace(std::string(line.substr(0, space)), value).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("sample written twice: \"", line, "\""));
    }
  }
  return samples;
}

std::map<std::string, std::string> ExpositionTypes(const std::string& text) {
  std::map<std::string, std::string> types;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (!absl::ConsumePrefix(&line, "# TYPE ")) continue;
    const std::vector<std::string> parts =
        absl::StrSplit(line, ' ', absl::SkipEmpty());
    if (parts.size() == 2) types[parts[0]] = parts[1];
  }
  return types;
}

}  // namespace miniter::testing
