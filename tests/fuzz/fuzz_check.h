// fuzz_check.h: FUZZ_CHECK, the invariant check of the fuzz targets; a
// violated invariant aborts, which libFuzzer records as a crash and the
// replay driver (fuzz_replay_main.cc) reports as a failed test.
#ifndef MINITER_TESTS_FUZZ_FUZZ_CHECK_H_
#define MINITER_TESTS_FUZZ_FUZZ_CHECK_H_

#include <cstdio>
#include <cstdlib>

// Not assert(): RelWithDebInfo defines NDEBUG, and the checks must hold in
// every build that replays the corpus.
#define FUZZ_CHECK(condition)                                                \
  do {                                                                       \
    if (!(condition)) {                                                      \
      std::fprintf(stderr, "%s:%d: fuzz invariant violated: %s\n", __FILE__, \
                   __LINE__, #condition);                                    \
      std::abort();                                                          \
    }                                                                        \
  } while (false)

#endif  // MINITER_TESTS_FUZZ_FUZZ_CHECK_H_
