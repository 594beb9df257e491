// readme_settings_test.cc: the documents that list the server's settings
// agree with the table of server_settings.h: README.md's configuration
// table has one row per setting, in the table's order, with its flag,
// variable and default; every variable packaging/miniter.env names is a
// setting, and its example value is one the server takes.
// MINITER_SOURCE_DIR comes from tests/unit/CMakeLists.txt.
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "gtest/gtest.h"
#include "server/app/server_settings.h"

namespace miniter::app {
namespace {

std::vector<std::string> Lines(const std::string& relative_path) {
  std::ifstream file(absl::StrCat(MINITER_SOURCE_DIR, "/", relative_path));
  EXPECT_TRUE(file.good()) << relative_path;
  std::vector<std::string> lines;
  for (std::string line; std::getline(file, line);) lines.push_back(line);
  return lines;
}

const ServerSetting* FindByEnv(absl::string_view env) {
  for (const ServerSetting& setting : ServerSettings()) {
    if (setting.env == env) return &setting;
  }
  return nullptr;
}

// The first three cells (flag, variable, default) of each row of the first
// table under "## Configuration" whose first cell is a flag.
std::vector<std::string> ReadmeRows() {
  std::vector<std::string> rows;
  bool in_section = false;
  for (const std::string& line : Lines("README.md")) {
    if (absl::StartsWith(line, "## ")) {
      if (in_section) break;
      in_section = line == "## Configuration";
      continue;
    }
    if (!in_section || !absl::StartsWith(line, "| `--")) continue;
    std::vector<absl::string_view> cells = absl::StrSplit(line, '|');
    if (cells.size() < 5) continue;
    rows.push_back(absl::StrCat("| ", absl::StripAsciiWhitespace(cells[1]),
                                " | ", absl::StripAsciiWhitespace(cells[2]),
                                " | ", absl::StripAsciiWhitespace(cells[3]),
                                " |"));
  }
  return rows;
}

// The row the README should have for `setting`, up to its meaning.
std::string ExpectedRow(const ServerSetting& setting) {
  const std::string default_cell =
      setting.default_value.empty()
          ? absl::StrCat("(", setting.no_default, ")")
          : absl::StrCat("`", setting.default_value, "`");
  return absl::StrCat("| `--", setting.name, "` | `", setting.env, "` | ",
                      default_cell, " |");
}

TEST(ReadmeSettingsTest, TheConfigurationTableHasEverySettingInOrder) {
  std::vector<std::string> expected;
  for (const ServerSetting& setting : ServerSettings()) {
    expected.push_back(ExpectedRow(setting));
  }
  const std::vector<std::string> rows = ReadmeRows();
  EXPECT_EQ(rows, expected) << "README.md, \"Configuration\": each row begins\n"
                            << absl::StrJoin(expected, "\n")
                            << "\n(then the setting's meaning); it has\n"
                            << absl::StrJoin(rows, "\n");
}

TEST(ReadmeSettingsTest, ThePackagesEnvFileNamesSettingsWithValuesTheyTake) {
  int examples = 0;
  for (std::string line : Lines("packaging/miniter.env")) {
    absl::string_view text = line;
    absl::ConsumePrefix(&text, "#");
    if (!absl::StartsWith(text, "MINITER_") || !absl::StrContains(text, '=')) {
      continue;
    }
    std::vector<std::string> name_value =
        absl::StrSplit(text, absl::MaxSplits('=', 1));
    SCOPED_TRACE(line);
    const ServerSetting* setting = FindByEnv(name_value[0]);
    ASSERT_NE(setting, nullptr) << name_value[0] << " is no server setting";
    SettingsDraft draft;
    absl::Status applied = setting->apply(name_value[1], draft);
    EXPECT_TRUE(applied.ok()) << applied;
    ++examples;
  }
  EXPECT_GT(examples, 5);
}

}  // namespace
}  // namespace miniter::app
