// bench_data.cc: presets, the popularity sampler and the text generator of
// the benchmark data set (see bench_data.h).
#include "tools/bench_data.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace miniter::tools {
namespace {

// Word pools. Korean and emoji are what broke the tutorial's latin1 tables,
// so every tweet is likely to carry some; each entry is one "word".
constexpr const char* kEnglish[] = {
    "the",    "timeline", "coffee",  "morning", "deploy",  "weekend",  "rain",
    "subway", "lunch",    "meeting", "finally", "shipped", "bug",      "music",
    "Seoul",  "Busan",    "really",  "new",     "today",   "tomorrow", "great",
    "late",   "again",    "why",     "is",      "so",      "good",     "and",
    "with",   "friends",  "gRPC",    "MariaDB", "latency", "p99",      "cat",
    "dog",    "photo",    "book",    "train"};
constexpr const char* kKorean[] = {
    "안녕하세요", "오늘",     "날씨가",     "정말",   "좋네요", "커피",
    "한잔",       "출근길",   "지하철",     "점심",   "뭐",     "먹지",
    "주말에",     "영화",     "봤어요",     "서울",   "부산",   "맛집",
    "추천",       "해주세요", "감사합니다", "드디어", "배포",   "완료",
    "버그",       "고쳤다",   "비가",       "와요",   "퇴근",   "하고싶다",
    "친구들이랑", "여행",     "사진",       "음악",   "듣는",   "중",
    "ㅋㅋㅋ",     "ㅎㅎ"};
constexpr const char* kEmoji[] = {
    "👋", "😀", "😂", "🥲", "🔥", "✨", "☕", "🍜", "🚇",      "🌧️",
    "🎉", "💻", "🐱", "🐶",    "📷", "🎵", "👍", "🙏", "❤️", "🇰🇷"};
constexpr const char* kGivenLatin[] = {
    "Mina", "Joon", "Ann", "Bob", "Seo-yeon", "Ji-ho", "Alex", "Sam",
    "Hana", "Min",  "Lee", "Kim", "Park",     "Chris", "Dana", "Yuna"};
constexpr const char* kKoreanNames[] = {"김민수", "이서연", "박지훈", "최유나",
                                        "정하늘", "강민지", "조현우", "윤서아",
                                        "장도윤", "임지우", "한예린", "오세훈"};

template <std::size_t N>
const char* Pick(Rng& rng, const char* const (&pool)[N]) {
  return pool[rng.Below(N)];
}

// Code points in valid UTF-8 (every byte that does not continue one).
std::size_t CodePoints(const std::string& s) {
  std::size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

}  // namespace

absl::StatusOr<Preset> PresetByName(absl::string_view name) {
  // Follow ranges are chosen so the mean (min+max)/2 gives the issue's
  // totals: 20k x 60 = 1.2M, 100k x 60 = 6M.
  if (name == "tiny") return Preset{"tiny", 500, 10, 20, 5000};
  if (name == "medium") return Preset{"medium", 20000, 20, 100, 400000};
  if (name == "large") return Preset{"large", 100000, 20, 100, 4000000};
  // Few accounts with long histories: every home timeline reaches back
  // through ~100k tweets, so a page below the home rows is the expensive
  // fallback read (the reliability suite's starvation scenario).
  if (name == "deep") return Preset{"deep", 100, 40, 60, 200000};
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown preset \"", name, "\" (tiny, medium, large, deep)"));
}

ZipfSampler::ZipfSampler(std::size_t n, double exponent, Rng& rng)
    : cumulative_(n), index_of_rank_(n) {
  double total = 0;
  for (std::size_t rank = 0; rank < n; ++rank) {
    total += 1.0 / std::pow(static_cast<double>(rank + 1), exponent);
    cumulative_[rank] = total;
  }
  for (double& c : cumulative_) c /= total;
  std::iota(index_of_rank_.begin(), index_of_rank_.end(), std::size_t{0});
  // Fisher-Yates with our own Rng, for the same permutation everywhere.
  for (std::size_t i = n; i > 1; --i) {
    std::swap(index_of_rank_[i - 1], index_of_rank_[rng.Below(i)]);
  }
}

std::size_t ZipfSampler::Sample(Rng& rng) const {
  const double u = rng.Unit();
  auto it = std::upper_bound(cumulative_.begin(), cumulative_.end(), u);
  std::size_t rank = static_cast<std::size_t>(it - cumulative_.begin());
  if (rank >= cumulative_.size()) rank = cumulative_.size() - 1;
  return index_of_rank_[rank];
}

std::string MakeName(Rng& rng, std::int64_t n) {
  return absl::StrCat(Pick(rng, kGivenLatin), " ", Pick(rng, kKoreanNames), " ",
                      n);
}

std::string MakeTweetText(Rng& rng) {
  // Mostly short tweets, with a tail of long ones (up to the 300 limit), as
  // on real services; the language mix varies per tweet.
  const double length_draw = rng.Unit();
  const std::size_t words =
      length_draw < 0.7
          ? 3 + rng.Below(12)
          : (length_draw < 0.95 ? 15 + rng.Below(30) : 45 + rng.Below(80));
  const double korean_share = rng.Unit();
  std::string text;
  for (std::size_t i = 0; i < words; ++i) {
    const double d = rng.Unit();
    const char* word = d < 0.1                        ? Pick(rng, kEmoji)
                       : d < 0.1 + 0.9 * korean_share ? Pick(rng, kKorean)
                                                      : Pick(rng, kEnglish);
    std::string next = text.empty() ? word : absl::StrCat(text, " ", word);
    if (CodePoints(next) > 300) break;
    text = std::move(next);
  }
  return text;
}

}  // namespace miniter::tools
