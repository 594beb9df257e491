// exposition.h: reads the Prometheus text format back, for tests that
// check what the metrics endpoint serves.
#ifndef MINITER_TESTS_METRICS_EXPOSITION_H_
#define MINITER_TESTS_METRICS_EXPOSITION_H_

#include <map>
#include <string>

#include "absl/status/statusor.h"

namespace miniter::testing {

// Every sample line as written, `name{label="value",...}` (or a bare name)
// mapped to its value; # HELP and # TYPE lines are skipped. INVALID_ARGUMENT
// names the first line that is not "KEY VALUE", or a key seen twice.
absl::StatusOr<std::map<std::string, double>> ParseExposition(
    const std::string& text);

// The `# TYPE name type` lines: family name → type.
std::map<std::string, std::string> ExpositionTypes(const std::string& text);

}  // namespace miniter::testing

#endif  // MINITER_TESTS_METRICS_EXPOSITION_H_
