// text_rules.cc: Unicode-aware validation of user-supplied text, on utf8proc.
#include "server/rules/text_rules.h"

#include <utf8proc.h>

#include <cstdlib>
#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace miniter::rules {
namespace {

// Runs utf8proc_map with `options`; nullopt-like error for invalid UTF-8.
absl::StatusOr<std::string> MapUtf8(absl::string_view text, int options,
                                    absl::string_view field) {
  if (text.empty()) return std::string();
  utf8proc_uint8_t* mapped = nullptr;
  const utf8proc_ssize_t length =
      utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(text.data()),
                   static_cast<utf8proc_ssize_t>(text.size()), &mapped,
                   static_cast<utf8proc_option_t>(options));
  std::unique_ptr<utf8proc_uint8_t, decltype(&std::free)> owner(mapped,
                                                                &std::free);
  if (length < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, " is not valid UTF-8"));
  }
  return std::string(reinterpret_cast<const char*>(mapped),
                     static_cast<std::size_t>(length));
}

// NFC after full case folding: the form two texts share when they differ
// only in letter case (e-mail keys, name keys).
absl::StatusOr<std::string> CaseFoldedNfc(absl::string_view text,
                                          absl::string_view field) {
  return MapUtf8(text, UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_CASEFOLD,
                 field);
}

// Decodes valid UTF-8 into code points (input already went through
// MapUtf8, so decoding cannot fail).
std::vector<utf8proc_int32_t> CodePoints(absl::string_view text) {
  std::vector<utf8proc_int32_t> code_points;
  const auto* bytes = reinterpret_cast<const utf8proc_uint8_t*>(text.data());
  utf8proc_ssize_t offset = 0;
  const auto size = static_cast<utf8proc_ssize_t>(text.size());
  while (offset < size) {
    utf8proc_int32_t code_point = 0;
    const utf8proc_ssize_t step =
        utf8proc_iterate(bytes + offset, size - offset, &code_point);
    if (step <= 0) break;
    code_points.push_back(code_point);
    offset += step;
  }
  return code_points;
}

// "U+00E9": at least four hex digits, upper case.
std::string HexCode(utf8proc_int32_t code_point) {
  return absl::StrCat("U+", absl::AsciiStrToUpper(absl::StrCat(
                                absl::Hex(code_point, absl::kZeroPad4))));
}

bool IsSpaceOrInvisible(utf8proc_int32_t code_point) {
  switch (utf8proc_category(code_point)) {
    case UTF8PROC_CATEGORY_ZS:
    case UTF8PROC_CATEGORY_ZL:
    case UTF8PROC_CATEGORY_ZP: return true;
    default: break;
  }
  // Tab, line feed, vertical tab, form feed, carriage return, next line.
  if ((code_point >= 0x09 && code_point <= 0x0D) || code_point == 0x85) {
    return true;
  }
  // Zero-width space, joiners, BOM and the like draw nothing either.
  return utf8proc_get_property(code_point)->ignorable;
}

// Rejects C0/C1 control characters, except tab and line breaks when
// `allow_line_breaks` (tweets and profiles may span lines; names may not).
absl::Status CheckNoControlCharacters(absl::string_view text,
                                      absl::string_view field,
                                      bool allow_line_breaks) {
  for (utf8proc_int32_t code_point : CodePoints(text)) {
    if (utf8proc_category(code_point) != UTF8PROC_CATEGORY_CC) continue;
    if (allow_line_breaks &&
        (code_point == '\t' || code_point == '\n' || code_point == '\r')) {
      continue;
    }
    return absl::InvalidArgumentError(
        absl::StrCat(field, " must not contain control characters (found ",
                     HexCode(code_point), ")"));
  }
  return absl::OkStatus();
}

// "U+202E RIGHT-TO-LEFT OVERRIDE": messages name the invisible characters
// the rules below refuse, since the client cannot show them.
std::string DescribeFormatCharacter(utf8proc_int32_t code_point) {
  const char* name = nullptr;
  switch (code_point) {
    case 0x061C: name = "ARABIC LETTER MARK"; break;
    case 0x200B: name = "ZERO WIDTH SPACE"; break;
    case 0x200C: name = "ZERO WIDTH NON-JOINER"; break;
    case 0x200D: name = "ZERO WIDTH JOINER"; break;
    case 0x200E: name = "LEFT-TO-RIGHT MARK"; break;
    case 0x200F: name = "RIGHT-TO-LEFT MARK"; break;
    case 0x202A: name = "LEFT-TO-RIGHT EMBEDDING"; break;
    case 0x202B: name = "RIGHT-TO-LEFT EMBEDDING"; break;
    case 0x202C: name = "POP DIRECTIONAL FORMATTING"; break;
    case 0x202D: name = "LEFT-TO-RIGHT OVERRIDE"; break;
    case 0x202E: name = "RIGHT-TO-LEFT OVERRIDE"; break;
    case 0x2060: name = "WORD JOINER"; break;
    case 0x2066: name = "LEFT-TO-RIGHT ISOLATE"; break;
    case 0x2067: name = "RIGHT-TO-LEFT ISOLATE"; break;
    case 0x2068: name = "FIRST STRONG ISOLATE"; break;
    case 0x2069: name = "POP DIRECTIONAL ISOLATE"; break;
    case 0xFEFF: name = "ZERO WIDTH NO-BREAK SPACE"; break;
    default:
      if (code_point >= 0xE0000 && code_point <= 0xE007F) name = "TAG";
      break;
  }
  return name == nullptr ? HexCode(code_point)
                         : absl::StrCat(HexCode(code_point), " ", name);
}

// The explicit embeddings and overrides (closed by U+202C PDF) and isolates
// (closed by U+2069 PDI) of the Unicode Bidirectional Algorithm (UAX #9).
bool OpensEmbedding(utf8proc_int32_t c) {
  return c == 0x202A || c == 0x202B || c == 0x202D || c == 0x202E;
}
bool OpensIsolate(utf8proc_int32_t c) { return c >= 0x2066 && c <= 0x2068; }
constexpr utf8proc_int32_t kPopDirectionalFormatting = 0x202C;
constexpr utf8proc_int32_t kPopDirectionalIsolate = 0x2069;
constexpr utf8proc_int32_t kZeroWidthNonJoiner = 0x200C;
constexpr utf8proc_int32_t kZeroWidthJoiner = 0x200D;

// Unicode's Bidi_Control property: the controls above and the three marks.
bool IsBidiControl(utf8proc_int32_t c) {
  return OpensEmbedding(c) || c == kPopDirectionalFormatting ||
         OpensIsolate(c) || c == kPopDirectionalIsolate || c == 0x200E ||
         c == 0x200F || c == 0x061C;
}

// Characters that draw nothing and join or separate nothing visibly, so
// that "Ann" and "An<U+200B>n" would look identical; tag characters also
// carry hidden ASCII text. The joiners (U+200C, U+200D) are handled apart:
// some scripts and emoji need them.
bool IsInvisibleCharacter(utf8proc_int32_t c) {
  return c == 0x200B || c == 0x2060 || c == 0xFEFF ||
         (c >= 0xE0000 && c <= 0xE007F);
}

// A virama (canonical combining class 9) before a joiner: Indic scripts use
// ZWJ/ZWNJ there to pick a conjunct form (RFC 5892, A.1 and A.2).
bool FollowsVirama(const std::vector<utf8proc_int32_t>& code_points,
                   std::size_t i) {
  return i > 0 &&
         utf8proc_get_property(code_points[i - 1])->combining_class == 9;
}

// Blocks of the scripts whose letters join cursively (Arabic, Syriac, N'Ko,
// Mandaic, Mongolian, Phags-pa, Manichaean, Psalter Pahlavi, Hanifi
// Rohingya, Sogdian, Old Uyghur, Chorasmian, Adlam). utf8proc has no
// Joining_Type, so this stands in for RFC 5892's joining context.
bool IsInJoiningScript(utf8proc_int32_t c) {
  return (c >= 0x0600 && c <= 0x08FF) || (c >= 0x1800 && c <= 0x18AF) ||
         (c >= 0xA840 && c <= 0xA87F) || (c >= 0xFB50 && c <= 0xFDFF) ||
         (c >= 0xFE70 && c <= 0xFEFE) || (c >= 0x10AC0 && c <= 0x10AFF) ||
         (c >= 0x10B80 && c <= 0x10BAF) || (c >= 0x10D00 && c <= 0x10D3F) ||
         (c >= 0x10F30 && c <= 0x10FDF) || (c >= 0x1E900 && c <= 0x1E95F);
}

bool IsLetter(utf8proc_int32_t c) {
  switch (utf8proc_category(c)) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO: return true;
    default: return false;
  }
}

bool IsNonSpacingMark(utf8proc_int32_t c) {
  const utf8proc_category_t category = utf8proc_category(c);
  return category == UTF8PROC_CATEGORY_MN || category == UTF8PROC_CATEGORY_ME;
}

// ZWNJ between two letters of a cursively joining script (vowel marks in
// between skipped): Persian writes "می‌خواهم" with one, and there it
// is visible, because it breaks the join.
bool InJoiningContext(const std::vector<utf8proc_int32_t>& code_points,
                      std::size_t i) {
  std::size_t before = i;
  while (before > 0 && IsNonSpacingMark(code_points[before - 1])) --before;
  std::size_t after = i + 1;
  while (after < code_points.size() && IsNonSpacingMark(code_points[after])) {
    ++after;
  }
  return before > 0 && after < code_points.size() &&
         IsLetter(code_points[before - 1]) &&
         IsInJoiningScript(code_points[before - 1]) &&
         IsLetter(code_points[after]) && IsInJoiningScript(code_points[after]);
}

// ZWJ inside an emoji ZWJ sequence (UAX #29 rule GB11: pictograph, extenders
// such as U+FE0F or a skin tone, ZWJ, pictograph), e.g. 👩‍💻 or
// 🏳️‍🌈.
bool JoinsEmoji(const std::vector<utf8proc_int32_t>& code_points,
                std::size_t i) {
  if (i + 1 >= code_points.size() ||
      utf8proc_get_property(code_points[i + 1])->boundclass !=
          UTF8PROC_BOUNDCLASS_EXTENDED_PICTOGRAPHIC) {
    return false;
  }
  std::size_t before = i;
  while (before > 0 &&
         utf8proc_get_property(code_points[before - 1])->boundclass ==
             UTF8PROC_BOUNDCLASS_EXTEND) {
    --before;
  }
  return before > 0 &&
         utf8proc_get_property(code_points[before - 1])->boundclass ==
             UTF8PROC_BOUNDCLASS_EXTENDED_PICTOGRAPHIC;
}

// Names are shown inline, next to other text a client draws (a tweet, a
// timestamp), without the isolation a careful client would add: a bidi
// control left in a name reorders what follows it (a name ending in U+202E
// shows the tweet after it backwards), and an invisible character makes one
// name look like another. So names take none of them, and the joiners only
// where they change what is drawn.
absl::Status CheckNameFormatCharacters(absl::string_view text) {
  const std::vector<utf8proc_int32_t> code_points = CodePoints(text);
  for (std::size_t i = 0; i < code_points.size(); ++i) {
    const utf8proc_int32_t c = code_points[i];
    const auto found = [&] {
      return absl::StrCat("found ", DescribeFormatCharacter(c),
                          " at character ", i + 1);
    };
    if (IsBidiControl(c)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "name must not contain bidirectional control characters (", found(),
          "): they reorder the text shown after the name"));
    }
    if (IsInvisibleCharacter(c)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "name must not contain invisible characters (", found(), ")"));
    }
    if (c == kZeroWidthJoiner && !JoinsEmoji(code_points, i) &&
        !FollowsVirama(code_points, i)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "name must not contain invisible characters (", found(),
          "; a zero width joiner is allowed only inside an emoji sequence "
          "or after a virama)"));
    }
    if (c == kZeroWidthNonJoiner && !InJoiningContext(code_points, i) &&
        !FollowsVirama(code_points, i)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "name must not contain invisible characters (", found(),
          "; a zero width non-joiner is allowed only between letters of a "
          "joining script such as Arabic, or after a virama)"));
    }
  }
  return absl::OkStatus();
}

// Tweets and profiles may use bidi controls (mixing Hebrew or Arabic with
// Latin text sometimes needs them), but each one that opens a level must be
// closed in the same line, properly nested: an embedding or override
// (U+202A, U+202B, U+202D, U+202E) by U+202C, an isolate (U+2066..U+2068) by
// U+2069. The Bidirectional Algorithm ends every level at a paragraph
// separator anyway, so pairs spanning lines are not pairs; and a level left
// open at the end of the text would reorder what a client draws after it.
absl::Status CheckBidiControlsPaired(absl::string_view text,
                                     absl::string_view field) {
  struct Opened {
    utf8proc_int32_t code_point;
    std::size_t position;  // 1-based, in code points
  };
  std::vector<Opened> open;
  const auto unpaired = [&](const std::string& what) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, " has an unpaired bidirectional control: ", what));
  };
  const auto closer_of = [](utf8proc_int32_t opener) {
    return OpensIsolate(opener) ? kPopDirectionalIsolate
                                : kPopDirectionalFormatting;
  };
  const auto not_closed = [&](const Opened& level, absl::string_view where) {
    return unpaired(absl::StrCat(
        DescribeFormatCharacter(level.code_point), " at character ",
        level.position, " is not closed by ",
        DescribeFormatCharacter(closer_of(level.code_point)), " ", where));
  };
  const std::vector<utf8proc_int32_t> code_points = CodePoints(text);
  for (std::size_t i = 0; i < code_points.size(); ++i) {
    const utf8proc_int32_t c = code_points[i];
    const std::size_t position = i + 1;
    if (utf8proc_get_property(c)->bidi_class == UTF8PROC_BIDI_CLASS_B) {
      if (!open.empty()) return not_closed(open.back(), "before the line ends");
      continue;
    }
    if (OpensEmbedding(c) || OpensIsolate(c)) {
      open.push_back({c, position});
      continue;
    }
    if (c != kPopDirectionalFormatting && c != kPopDirectionalIsolate) {
      continue;
    }
    if (open.empty()) {
      return unpaired(absl::StrCat(DescribeFormatCharacter(c), " at character ",
                                   position, " closes nothing"));
    }
    if (closer_of(open.back().code_point) != c) {
      return not_closed(open.back(),
                        absl::StrCat("before ", DescribeFormatCharacter(c),
                                     " at character ", position));
    }
    open.pop_back();
  }
  if (!open.empty()) return not_closed(open.back(), "before the end");
  return absl::OkStatus();
}

absl::StatusOr<std::string> ValidateBoundedText(absl::string_view text,
                                                absl::string_view field,
                                                std::size_t min_code_points,
                                                std::size_t max_code_points,
                                                bool allow_line_breaks) {
  absl::StatusOr<std::string> normalized = NormalizeNfc(text, field);
  if (!normalized.ok()) return normalized.status();
  const std::size_t length = CountCodePoints(*normalized);
  if (min_code_points > 0 && IsBlank(*normalized)) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, " must not be empty or only white space"));
  }
  if (length > max_code_points) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, " is ", length, " characters long; the limit is ",
                     max_code_points));
  }
  absl::Status controls =
      CheckNoControlCharacters(*normalized, field, allow_line_breaks);
  if (!controls.ok()) return controls;
  return normalized;
}

bool IsValidDomainLabel(absl::string_view label) {
  if (label.empty() || label.size() > 63) return false;
  if (label.front() == '-' || label.back() == '-') return false;
  for (char c : label) {
    const auto byte = static_cast<unsigned char>(c);
    // Non-ASCII bytes belong to internationalized labels, which are fine.
    if (byte >= 0x80) continue;
    if (!absl::ascii_isalnum(byte) && c != '-') return false;
  }
  return true;
}

}  // namespace

absl::StatusOr<std::string> NormalizeNfc(absl::string_view text,
                                         absl::string_view field) {
  return MapUtf8(text, UTF8PROC_STABLE | UTF8PROC_COMPOSE, field);
}

std::size_t CountCodePoints(absl::string_view text) {
  std::size_t count = 0;
  for (char c : text) {
    // Count every byte that does not continue a multi-byte sequence.
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++count;
  }
  return count;
}

bool IsBlank(absl::string_view text) {
  for (utf8proc_int32_t code_point : CodePoints(text)) {
    if (!IsSpaceOrInvisible(code_point)) return false;
  }
  return true;
}

absl::StatusOr<std::string> ValidateTweetText(absl::string_view text) {
  absl::StatusOr<std::string> tweet = ValidateBoundedText(
      text, "text", 1, kMaxTweetCodePoints, /*allow_line_breaks=*/true);
  if (!tweet.ok()) return tweet;
  absl::Status paired = CheckBidiControlsPaired(*tweet, "text");
  if (!paired.ok()) return paired;
  return tweet;
}

absl::StatusOr<std::string> ValidateName(absl::string_view name) {
  absl::StatusOr<std::string> checked = ValidateBoundedText(
      name, "name", 1, kMaxNameCodePoints, /*allow_line_breaks=*/false);
  if (!checked.ok()) return checked;
  absl::Status visible = CheckNameFormatCharacters(*checked);
  if (!visible.ok()) return visible;
  return checked;
}

absl::StatusOr<std::string> ValidateProfile(absl::string_view profile) {
  absl::StatusOr<std::string> checked =
      ValidateBoundedText(profile, "profile", 0, kMaxProfileCodePoints,
                          /*allow_line_breaks=*/true);
  if (!checked.ok()) return checked;
  absl::Status paired = CheckBidiControlsPaired(*checked, "profile");
  if (!paired.ok()) return paired;
  return checked;
}

absl::Status ValidatePassword(absl::string_view password) {
  // Validity as UTF-8 matters even though the password is hashed as bytes:
  // protobuf strings must be UTF-8, and a client that sends otherwise has a
  // bug worth reporting.
  absl::StatusOr<std::string> checked = NormalizeNfc(password, "password");
  if (!checked.ok()) return checked.status();
  const std::size_t length = CountCodePoints(password);
  if (length < kMinPasswordCodePoints) {
    return absl::InvalidArgumentError(absl::StrCat(
        "password must be at least ", kMinPasswordCodePoints, " characters"));
  }
  if (length > kMaxPasswordCodePoints) {
    return absl::InvalidArgumentError(absl::StrCat(
        "password must be at most ", kMaxPasswordCodePoints, " characters"));
  }
  return absl::OkStatus();
}

absl::StatusOr<EmailAddress> ValidateEmail(absl::string_view email) {
  absl::StatusOr<std::string> display = NormalizeNfc(email, "email");
  if (!display.ok()) return display.status();
  const auto invalid = [](absl::string_view why) {
    return absl::InvalidArgumentError(
        absl::StrCat("email must look like name@example.com: ", why));
  };
  if (display->empty()) return invalid("it is empty");
  if (display->size() > kMaxEmailBytes) {
    return invalid(
        absl::StrCat("it is longer than ", kMaxEmailBytes, " bytes"));
  }
  for (utf8proc_int32_t code_point : CodePoints(*display)) {
    // Default-ignorable covers the bidi controls, zero-width characters
    // and assigned tags; the explicit checks also catch the unassigned
    // code points of the tag block, which utf8proc does not flag.
    if (IsSpaceOrInvisible(code_point) ||
        utf8proc_category(code_point) == UTF8PROC_CATEGORY_CC ||
        IsBidiControl(code_point) || IsInvisibleCharacter(code_point) ||
        code_point == kZeroWidthJoiner || code_point == kZeroWidthNonJoiner) {
      return invalid(absl::StrCat(
          "it contains white space, control or invisible characters (found ",
          DescribeFormatCharacter(code_point), ")"));
    }
  }
  const std::size_t at = display->rfind('@');
  if (at == std::string::npos) return invalid("there is no '@'");
  const absl::string_view local = absl::string_view(*display).substr(0, at);
  const absl::string_view domain = absl::string_view(*display).substr(at + 1);
  if (local.empty() || local.size() > 64) {
    return invalid("the part before '@' must be 1 to 64 bytes");
  }
  if (local.find('@') != absl::string_view::npos) {
    return invalid("there is more than one '@'");
  }
  if (local.front() == '.' || local.back() == '.' ||
      local.find("..") != absl::string_view::npos) {
    return invalid("the part before '@' has a misplaced '.'");
  }
  std::vector<absl::string_view> labels = absl::StrSplit(domain, '.');
  if (labels.size() < 2) return invalid("the domain needs a '.'");
  for (absl::string_view label : labels) {
    if (!IsValidDomainLabel(label)) {
      return invalid("the domain is not a valid host name");
    }
  }
  absl::StatusOr<std::string> key = CaseFoldedNfc(*display, "email");
  if (!key.ok()) return key.status();
  return EmailAddress{*std::move(display), *std::move(key)};
}

absl::StatusOr<std::string> NameKey(absl::string_view name,
                                    absl::string_view field) {
  return CaseFoldedNfc(name, field);
}

absl::StatusOr<std::string> SearchQueryKey(absl::string_view query) {
  absl::StatusOr<std::string> normalized = NormalizeNfc(query, "query");
  if (!normalized.ok()) return normalized.status();
  if (IsBlank(*normalized)) {
    return absl::InvalidArgumentError(
        "query must not be empty or only white space: give the start of a "
        "name");
  }
  const std::size_t length = CountCodePoints(*normalized);
  if (length > kMaxSearchQueryCodePoints) {
    return absl::InvalidArgumentError(
        absl::StrCat("query is ", length, " characters long; the limit is ",
                     kMaxSearchQueryCodePoints));
  }
  return NameKey(*normalized, "query");
}

}  // namespace miniter::rules
