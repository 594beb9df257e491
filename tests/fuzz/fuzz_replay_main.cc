// fuzz_replay_main.cc: runs a fuzz target's entry function over files
// without libFuzzer, so that every build (gcc included) replays the seed
// corpus and each input that once crashed (tests/fuzz/regressions/).
//
//   TARGET_replay FILE_OR_DIRECTORY...
//
// Directories are read one level deep, in name order; a README in them is
// skipped. Exits non-zero when an argument cannot be read or holds no input,
// so a mistyped path cannot pass; a failed invariant aborts.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <system_error>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size);

namespace {

bool ReadFile(const std::filesystem::path& path, std::string* contents) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  contents->assign(std::istreambuf_iterator<char>(in),
                   std::istreambuf_iterator<char>());
  return !in.bad();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s FILE_OR_DIRECTORY...\n", argv[0]);
    return 2;
  }
  int inputs = 0;
  for (int i = 1; i < argc; ++i) {
    const std::filesystem::path arg(argv[i]);
    std::vector<std::filesystem::path> files;
    std::error_code error;
    if (std::filesystem::is_directory(arg, error)) {
      for (const auto& entry :
           std::filesystem::directory_iterator(arg, error)) {
        if (entry.is_regular_file() && entry.path().filename() != "README.md") {
          files.push_back(entry.path());
        }
      }
      std::sort(files.begin(), files.end());
    } else {
      files.push_back(arg);
    }
    if (error) {
      std::fprintf(stderr, "%s: cannot read: %s\n", argv[i],
                   error.message().c_str());
      return 1;
    }
    for (const std::filesystem::path& file : files) {
      std::string data;
      if (!ReadFile(file, &data)) {
        std::fprintf(stderr, "%s: cannot read\n", file.c_str());
        return 1;
      }
      // A copy in its own allocation, so ASan sees reads past the end.
      std::vector<std::uint8_t> bytes(data.begin(), data.end());
      LLVMFuzzerTestOneInput(bytes.data(), bytes.size());
      ++inputs;
    }
  }
  if (inputs == 0) {
    std::fprintf(stderr, "no inputs found in the arguments\n");
    return 1;
  }
  std::printf("replayed %d inputs without a crash or a failed invariant\n",
              inputs);
  return 0;
}
