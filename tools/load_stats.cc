// load_stats.cc: the helpers miniter-load's subcommands share (load_stats.h).
#include "tools/load_stats.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <fstream>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace miniter::tools {

double QuantileMs(const std::vector<std::int64_t>& ns, double q) {
  if (ns.empty()) return 0;
  std::size_t i = static_cast<std::size_t>(std::llround(q * (ns.size() - 1)));
  return ns[std::min(i, ns.size() - 1)] / 1e6;
}

std::string LatencyJson(std::vector<std::int64_t>& ns) {
  if (ns.empty()) return "null";
  std::sort(ns.begin(), ns.end());
  double sum = 0;
  for (std::int64_t v : ns) sum += v;
  return absl::StrFormat(
      "{\"p50\": %.3f, \"p90\": %.3f, \"p99\": %.3f, \"p999\": %.3f, "
      "\"max\": %.3f, \"mean\": %.3f}",
      QuantileMs(ns, 0.5), QuantileMs(ns, 0.9), QuantileMs(ns, 0.99),
      QuantileMs(ns, 0.999), ns.back() / 1e6, sum / ns.size() / 1e6);
}

std::string ErrorsJson(const std::map<std::string, std::int64_t>& errors) {
  std::vector<std::string> parts;
  parts.reserve(errors.size());
  for (const auto& [code, n] : errors) {
    parts.push_back(absl::StrFormat("\"%s\": %d", JsonEscape(code), n));
  }
  return absl::StrCat("{", absl::StrJoin(parts, ", "), "}");
}

std::string StatusCodeName(int c) {
  // gRPC and Abseil number status codes alike, so Abseil names them.
  std::string name = absl::StatusCodeToString(static_cast<absl::StatusCode>(c));
  return name.empty() ? absl::StrCat("CODE_", c) : name;
}

std::string JsonEscape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) {
      out += ' ';
      continue;
    }
    out += c;
  }
  return out;
}

absl::StatusOr<std::vector<std::uint64_t>> ReadIdColumn(
    const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::vector<std::uint64_t> ids;
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    std::uint64_t id;
    std::string first(line.substr(0, line.find('\t')));
    if (!absl::SimpleAtoi(first, &id)) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": bad line ", line.substr(0, 40)));
    }
    ids.push_back(id);
  }
  if (ids.empty())
    return absl::InvalidArgumentError(absl::StrCat(path, " is empty"));
  return ids;
}

absl::Status WriteTextFile(const std::string& path, const std::string& text) {
  if (path.empty()) {
    std::fputs(text.c_str(), stdout);
    return absl::OkStatus();
  }
  std::ofstream out(path, std::ios::trunc);
  out << text;
  out.close();
  if (!out) return absl::InternalError(absl::StrCat("cannot write ", path));
  return absl::OkStatus();
}

std::optional<double> ProcessCpuSeconds(int pid) {
  std::ifstream stat(absl::StrCat("/proc/", pid, "/stat"));
  std::string line;
  if (!std::getline(stat, line)) return std::nullopt;
  // Fields after the command name, which is in parentheses and may hold
  // spaces: state is field 3, utime 14 and stime 15 (proc(5)).
  const std::size_t paren = line.rfind(')');
  if (paren == std::string::npos) return std::nullopt;
  const std::vector<absl::string_view> fields = absl::StrSplit(
      absl::string_view(line).substr(paren + 1), ' ', absl::SkipEmpty());
  double utime = 0, stime = 0;
  if (fields.size() < 13 || !absl::SimpleAtod(fields[11], &utime) ||
      !absl::SimpleAtod(fields[12], &stime)) {
    return std::nullopt;
  }
  return (utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

}  // namespace miniter::tools
