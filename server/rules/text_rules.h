// text_rules.h: the validation rules for user-supplied text (tweets, names,
// e-mail addresses, passwords, profiles), Unicode-aware.
//
// Lengths are counted in Unicode code points after NFC normalization, which
// is what a person counts as characters for almost every script (a Hangul
// syllable or an emoji is one) and what MariaDB's utf8mb4 VARCHAR(n) counts.
#ifndef MINITER_SERVER_RULES_TEXT_RULES_H_
#define MINITER_SERVER_RULES_TEXT_RULES_H_

#include <cstddef>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace miniter::rules {

inline constexpr std::size_t kMaxTweetCodePoints = 300;
inline constexpr std::size_t kMaxNameCodePoints = 255;
inline constexpr std::size_t kMaxProfileCodePoints = 2000;
inline constexpr std::size_t kMinPasswordCodePoints = 8;
// Full case folding followed by NFC turns one code point into at most three
// (U+FB03 "ﬃ" into "ffi"), so a name's key is at most this long; the column
// users.name_key is sized for it (sql/migrations/0006_user_profiles.sql).
inline constexpr std::size_t kMaxNameKeyCodePoints = 3 * kMaxNameCodePoints;
inline constexpr std::size_t kMaxSearchQueryCodePoints = 255;
// Argon2 takes any length, but an unbounded password is a cheap way to make
// the server hash megabytes; 1024 is far beyond any passphrase.
inline constexpr std::size_t kMaxPasswordCodePoints = 1024;
// RFC 5321 limits a forward path to 256 octets including the brackets.
inline constexpr std::size_t kMaxEmailBytes = 254;

// Returns `text` in Unicode Normalization Form C. INVALID_ARGUMENT (naming
// `field`) when `text` is not valid UTF-8.
absl::StatusOr<std::string> NormalizeNfc(absl::string_view text,
                                         absl::string_view field);

// Number of code points in valid UTF-8 `text`.
std::size_t CountCodePoints(absl::string_view text);

// True when every code point of valid UTF-8 `text` is white space (Unicode
// categories Zs, Zl, Zp, and the ASCII/Latin-1 controls that act as space),
// including when `text` is empty.
bool IsBlank(absl::string_view text);

// The NFC form of a tweet: 1 to 300 code points, not blank, no control
// characters other than line breaks and tabs, bidirectional controls paired
// (below). INVALID_ARGUMENT otherwise.
//
// Paired bidi controls: every embedding or override (U+202A, U+202B,
// U+202D, U+202E) is closed by U+202C, and every isolate (U+2066, U+2067,
// U+2068) by U+2069, in the same line and properly nested; a U+202C or
// U+2069 closes only the innermost open level of its kind. The message
// names the character and its position (1-based, in code points of the NFC
// form).
absl::StatusOr<std::string> ValidateTweetText(absl::string_view text);

// The NFC form of a display name: 1 to 255 code points, not blank, no
// control characters, no bidirectional controls at all (U+061C, U+200E,
// U+200F, U+202A..U+202E, U+2066..U+2069), no invisible characters
// (U+200B, U+2060, U+FEFF, tags U+E0000..U+E007F). The joiners are
// refused too except where they change what is drawn: U+200D inside an
// emoji ZWJ sequence (e.g. a woman technologist) or after a virama;
// U+200C between letters of a joining script such as Arabic (Persian uses
// it) or after a virama.
absl::StatusOr<std::string> ValidateName(absl::string_view name);

// The NFC form of a profile: at most 2000 code points, controls as for a
// tweet (line breaks and paired bidi controls allowed).
absl::StatusOr<std::string> ValidateProfile(absl::string_view profile);

// OK for a password of 8 to 1024 code points. The password is never
// normalized or trimmed: it is hashed exactly as sent.
absl::Status ValidatePassword(absl::string_view password);

// A checked e-mail address and the key that makes it unique.
struct EmailAddress {
  // As given (NFC), shown back to the user.
  std::string display;
  // Case-folded (full Unicode case folding) NFC form: two addresses that
  // differ only in letter case have the same key.
  std::string key;
};

// Checks that `email` looks like local-part@domain: at most 254 bytes, one
// '@', a local part of 1 to 64 bytes, a domain of dot-separated labels with
// at least one dot, no white space, control or default-ignorable characters
// (which covers every bidi control, zero-width character and tag: an e-mail
// key must not have an invisible twin). Deliverability is not checked.
// INVALID_ARGUMENT otherwise.
absl::StatusOr<EmailAddress> ValidateEmail(absl::string_view email);

// The key a name is searched by (users.name_key): its NFC form after full
// Unicode case folding, so "Straße", "STRASSE" and "strasse" share the key
// "strasse". INVALID_ARGUMENT (naming `field`) for invalid UTF-8.
absl::StatusOr<std::string> NameKey(absl::string_view name,
                                    absl::string_view field = "name");

// The key prefix a SearchUsers query matches: NameKey of the query, which
// must be 1 to 255 code points after NFC and not blank; leading and
// trailing spaces are kept (they are part of the prefix). INVALID_ARGUMENT
// naming `query` otherwise.
absl::StatusOr<std::string> SearchQueryKey(absl::string_view query);

}  // namespace miniter::rules

#endif  // MINITER_SERVER_RULES_TEXT_RULES_H_
