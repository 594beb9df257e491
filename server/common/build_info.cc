// build_info.cc: the version and git revision, compiled in from the
// MINITER_VERSION and MINITER_GIT_REVISION definitions that
// server/CMakeLists.txt gives this one file (so a new revision recompiles
// nothing else).
#include "server/common/build_info.h"

#include "absl/strings/str_cat.h"

namespace miniter::common {

const char* BuildVersion() { return MINITER_VERSION; }

const char* BuildRevision() { return MINITER_GIT_REVISION; }

std::string VersionLine(absl::string_view program) {
  return absl::StrCat(program, " ", BuildVersion(), " (git ", BuildRevision(),
                      ")");
}

}  // namespace miniter::common
