// version.cc: the version line, from the compile definitions that
// client/CMakeLists.txt sets on this file alone (so a new commit recompiles
// only it).
#include "client/version.h"

#include "absl/strings/str_cat.h"

#ifndef MINITER_VERSION
#error "MINITER_VERSION must come from CMake (PROJECT_VERSION)"
#endif
#ifndef MINITER_GIT_REVISION
#error "MINITER_GIT_REVISION must come from CMake"
#endif

namespace miniter::client {

std::string VersionLine() {
  return absl::StrCat("miniter ", MINITER_VERSION, " (git ",
                      MINITER_GIT_REVISION, ")");
}

}  // namespace miniter::client
