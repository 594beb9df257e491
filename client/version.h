// version.h: what `miniter --version` prints.
#ifndef MINITER_CLIENT_VERSION_H_
#define MINITER_CLIENT_VERSION_H_

#include <string>

namespace miniter::client {

// "miniter 0.1.0 (git 526c85a)": the CMake project version and the commit
// the build was configured at ("unknown" outside a git checkout).
std::string VersionLine();

}  // namespace miniter::client

#endif  // MINITER_CLIENT_VERSION_H_
