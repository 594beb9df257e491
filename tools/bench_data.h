// bench_data.h: the shape of the benchmark's generated data set: presets,
// a deterministic random source, a Zipf-like popularity sampler, and the
// realistic (Latin, Korean, emoji) names and tweet texts.
//
// Kept apart from miniter_generate_main.cc so the same choices (e.g. the
// popularity skew) can be reused and reasoned about in one place.
#ifndef MINITER_TOOLS_BENCH_DATA_H_
#define MINITER_TOOLS_BENCH_DATA_H_

#include <cstddef>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace miniter::tools {

// Every generated user has this password (documented in bench/README.md),
// so the benchmark can log in as anyone.
inline constexpr char kBenchPassword[] = "benchmark password";
// Generated e-mails are user<N>@kBenchEmailDomain, N from 1.
inline constexpr char kBenchEmailDomain[] = "bench.miniter.test";

struct Preset {
  std::string name;
  std::int64_t users = 0;
  // Each user follows a uniformly drawn number of accounts in this range.
  int min_follows = 0;
  int max_follows = 0;
  std::int64_t tweets = 0;
};

// tiny, medium, large or deep; INVALID_ARGUMENT for anything else.
absl::StatusOr<Preset> PresetByName(absl::string_view name);

// A seeded random source. Distributions are written out by hand (not
// std::uniform_int_distribution) so a seed yields the same data set with
// any standard library.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : engine_(seed) {}
  // Uniform in [0, n); n > 0.
  std::uint64_t Below(std::uint64_t n) { return engine_() % n; }
  // Uniform in [0, 1).
  double Unit() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }

 private:
  std::mt19937_64 engine_;
};

// Draws indexes in [0, n) with probability proportional to 1/rank^exponent,
// where ranks are a random permutation of the indexes: a few indexes are
// drawn very often (celebrities), most rarely, and the popular ones are not
// simply the first users created.
class ZipfSampler {
 public:
  ZipfSampler(std::size_t n, double exponent, Rng& rng);
  std::size_t Sample(Rng& rng) const;

 private:
  std::vector<double> cumulative_;  // by rank
  std::vector<std::size_t> index_of_rank_;
};

// A display name mixing Latin and Korean, e.g. "Mina 김민수 42".
std::string MakeName(Rng& rng, std::int64_t n);

// A tweet of Korean, English and emoji words, 1 to 300 code points.
std::string MakeTweetText(Rng& rng);

}  // namespace miniter::tools

#endif  // MINITER_TOOLS_BENCH_DATA_H_
