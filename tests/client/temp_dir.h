// temp_dir.h: a fresh directory per test, removed afterwards, so token-file
// tests never touch the real ~/.config.
#ifndef MINITER_TESTS_CLIENT_TEMP_DIR_H_
#define MINITER_TESTS_CLIENT_TEMP_DIR_H_

#include <cstdlib>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace miniter::client::testing {

class TempDir {
 public:
  TempDir() {
    std::string pattern = ::testing::TempDir() + "miniter_client_XXXXXX";
    std::vector<char> buffer(pattern.begin(), pattern.end());
    buffer.push_back('\0');
    if (mkdtemp(buffer.data()) != nullptr) path_ = buffer.data();
  }
  ~TempDir() {
    if (!path_.empty()) {
      // The tree is small and ours; the shell is the simplest recursive rm.
      std::string command = "rm -rf '" + path_ + "'";
      (void)std::system(command.c_str());
    }
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace miniter::client::testing

#endif  // MINITER_TESTS_CLIENT_TEMP_DIR_H_
