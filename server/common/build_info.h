// build_info.h: which miniter this binary is, for --version and the
// miniter_build_info metric: the CMake project's version and the git
// revision the build tree was configured from.
#ifndef MINITER_SERVER_COMMON_BUILD_INFO_H_
#define MINITER_SERVER_COMMON_BUILD_INFO_H_

#include <string>

#include "absl/strings/string_view.h"

namespace miniter::common {

// PROJECT_VERSION of the top-level CMakeLists.txt, e.g. "0.1.0".
const char* BuildVersion();

// `git rev-parse --short HEAD` when CMake last configured the build tree,
// or "unknown" (no .git, or no git): the build itself never runs git, so a
// commit made since the last configure is not reflected.
const char* BuildRevision();

// The line --version prints: "<program> 0.1.0 (git 526c85a)".
std::string VersionLine(absl::string_view program);

}  // namespace miniter::common

#endif  // MINITER_SERVER_COMMON_BUILD_INFO_H_
