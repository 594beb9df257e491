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
  const utf8proc_ssize_t length = utf8proc_map(
      reinterpret_cast<const utf8proc_uint8_t*>(text.data()),
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

bool IsSpaceOrInvisible(utf8proc_int32_t code_point) {
  switch (utf8proc_category(code_point)) {
    case UTF8PROC_CATEGORY_ZS:
    case UTF8PROC_CATEGORY_ZL:
    case UTF8PROC_CATEGORY_ZP:
      return true;
    default:
      break;
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
    return absl::InvalidArgumentError(absl::StrCat(
        field, " must not contain control characters (found U+",
        absl::AsciiStrToUpper(absl::StrCat(absl::Hex(code_point,
                                                     absl::kZeroPad4))),
        ")"));
  }
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
  return ValidateBoundedText(text, "text", 1, kMaxTweetCodePoints,
                             /*allow_line_breaks=*/true);
}

absl::StatusOr<std::string> ValidateName(absl::string_view name) {
  return ValidateBoundedText(name, "name", 1, kMaxNameCodePoints,
                             /*allow_line_breaks=*/false);
}

absl::StatusOr<std::string> ValidateProfile(absl::string_view profile) {
  return ValidateBoundedText(profile, "profile", 0, kMaxProfileCodePoints,
                             /*allow_line_breaks=*/true);
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
    return invalid(absl::StrCat("it is longer than ", kMaxEmailBytes,
                                " bytes"));
  }
  for (utf8proc_int32_t code_point : CodePoints(*display)) {
    if (IsSpaceOrInvisible(code_point) ||
        utf8proc_category(code_point) == UTF8PROC_CATEGORY_CC) {
      return invalid("it contains white space or control characters");
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
  absl::StatusOr<std::string> key = MapUtf8(
      *display, UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_CASEFOLD,
      "email");
  if (!key.ok()) return key.status();
  return EmailAddress{*std::move(display), *std::move(key)};
}

}  // namespace miniter::rules
