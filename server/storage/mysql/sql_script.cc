// sql_script.cc: splits migration files into statements (see sql_script.h).
#include "server/storage/mysql/sql_script.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"

namespace miniter::storage::mysql {

std::vector<std::string> SplitSqlStatements(absl::string_view script) {
  std::vector<std::string> statements;
  std::string current;
  auto flush = [&] {
    absl::string_view text = absl::StripAsciiWhitespace(current);
    if (!text.empty()) statements.emplace_back(text);
    current.clear();
  };
  for (absl::string_view line : absl::StrSplit(script, '\n')) {
    absl::string_view trimmed = absl::StripTrailingAsciiWhitespace(line);
    if (absl::StartsWith(absl::StripLeadingAsciiWhitespace(trimmed), "--")) {
      continue;
    }
    if (absl::EndsWith(trimmed, ";")) {
      trimmed.remove_suffix(1);
      current.append(trimmed.data(), trimmed.size());
      flush();
    } else {
      current.append(trimmed.data(), trimmed.size());
      current.push_back('\n');
    }
  }
  flush();
  return statements;
}

}  // namespace miniter::storage::mysql
