// sql_script.h: splits a migration file into the statements the runner sends
// one by one (Connector/C++ runs one statement per call).
#ifndef MINITER_SERVER_STORAGE_MYSQL_SQL_SCRIPT_H_
#define MINITER_SERVER_STORAGE_MYSQL_SQL_SCRIPT_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace miniter::storage::mysql {

// Splits `script` at every ';' that ends a line (trailing spaces allowed),
// dropping lines whose first non-blank characters are "--" and statements
// that are empty. The rule is deliberately simple; sql/README.md tells
// authors to keep ';' out of string literals and line ends mid-statement.
// A last statement without ';' is kept.
std::vector<std::string> SplitSqlStatements(absl::string_view script);

}  // namespace miniter::storage::mysql

#endif  // MINITER_SERVER_STORAGE_MYSQL_SQL_SCRIPT_H_
