// database_url.cc: the mysql:// URL parser (see database_url.h).
#include "server/storage/mysql/database_url.h"

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace miniter::storage::mysql {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// `what` names the part ("user", "password", ...) for the error message.
absl::StatusOr<std::string> PercentDecode(absl::string_view text,
                                          absl::string_view what) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out.push_back(text[i]);
      continue;
    }
    const int high = i + 1 < text.size() ? HexValue(text[i + 1]) : -1;
    const int low = i + 2 < text.size() ? HexValue(text[i + 2]) : -1;
    if (high < 0 || low < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("database URL: bad percent-encoding in the ", what,
                       " (expected %XX with two hex digits)"));
    }
    out.push_back(static_cast<char>(high * 16 + low));
    i += 2;
  }
  return out;
}

absl::Status Invalid(absl::string_view problem) {
  return absl::InvalidArgumentError(absl::StrCat("database URL: ", problem));
}

// An absolute path, percent-decoded, for parameter `name`.
absl::StatusOr<std::string> AbsolutePath(absl::string_view value,
                                         absl::string_view name) {
  absl::StatusOr<std::string> path =
      PercentDecode(value, absl::StrCat(name, "= path"));
  if (!path.ok()) return path.status();
  if (path->empty() || (*path)[0] != '/') {
    return Invalid(absl::StrCat(name, "= needs an absolute path"));
  }
  return path;
}

// The ssl-mode values, named after MySQL's --ssl-mode. Only the two that
// cannot end in plaintext are accepted: with the MariaDB client library
// under Connector/C++ 1.1.12, a session that checks the chain but not the
// host name falls back to plaintext when the server offers no TLS (its
// "sslEnforce" option has no effect there), so VERIFY_CA, REQUIRED and
// PREFERRED would promise more than they keep.
absl::StatusOr<TlsMode> ParseTlsMode(absl::string_view value) {
  if (absl::EqualsIgnoreCase(value, "verify-identity")) {
    return TlsMode::kVerifyIdentity;
  }
  if (absl::EqualsIgnoreCase(value, "disabled")) return TlsMode::kDisabled;
  if (absl::EqualsIgnoreCase(value, "verify-ca") ||
      absl::EqualsIgnoreCase(value, "required") ||
      absl::EqualsIgnoreCase(value, "preferred")) {
    return Invalid(absl::StrCat(
        "ssl-mode=", value,
        " is not offered: the client library could fall back to plaintext; "
        "use ssl-mode=verify-identity with a server certificate that names "
        "the host of this URL"));
  }
  return Invalid(
      "ssl-mode must be verify-identity (the default with ssl-ca=) or "
      "disabled");
}

// Fills socket and the TLS fields from the text after '?'.
absl::Status ParseParameters(absl::string_view query, DatabaseUrl& parsed) {
  std::set<std::string> seen;
  std::optional<TlsMode> mode;
  for (absl::string_view param : absl::StrSplit(query, '&')) {
    if (param.empty()) continue;
    std::pair<absl::string_view, absl::string_view> kv =
        absl::StrSplit(param, absl::MaxSplits('=', 1));
    const absl::string_view name = kv.first;
    const absl::string_view value = kv.second;
    // Parameter names are never secret, so naming one helps the operator.
    if (!seen.insert(std::string(name)).second) {
      return Invalid(absl::StrCat("parameter \"", name, "\" is given twice"));
    }
    std::string* path = nullptr;
    if (name == "socket") {
      path = &parsed.socket;
    } else if (name == "ssl-ca") {
      path = &parsed.ssl_ca;
    } else if (name == "ssl-cert") {
      path = &parsed.ssl_cert;
    } else if (name == "ssl-key") {
      path = &parsed.ssl_key;
    } else if (name == "ssl-mode") {
      absl::StatusOr<TlsMode> parsed_mode = ParseTlsMode(value);
      if (!parsed_mode.ok()) return parsed_mode.status();
      mode = *parsed_mode;
      continue;
    } else {
      return Invalid(absl::StrCat(
          "unknown parameter \"", name,
          "\" (supported: socket, ssl-ca, ssl-mode, ssl-cert, ssl-key)"));
    }
    absl::StatusOr<std::string> decoded = AbsolutePath(value, name);
    if (!decoded.ok()) return decoded.status();
    *path = *std::move(decoded);
  }

  const bool any_tls_file = !parsed.ssl_ca.empty() ||
                            !parsed.ssl_cert.empty() || !parsed.ssl_key.empty();
  if (mode == TlsMode::kDisabled && any_tls_file) {
    return Invalid("ssl-mode=disabled contradicts ssl-ca/ssl-cert/ssl-key");
  }
  if (parsed.ssl_cert.empty() != parsed.ssl_key.empty()) {
    return Invalid("ssl-cert= and ssl-key= go together");
  }
  if (any_tls_file && parsed.ssl_ca.empty()) {
    return Invalid(
        "ssl-cert= and ssl-key= need ssl-ca= (the CA that signed the "
        "server's certificate)");
  }
  if (mode == TlsMode::kVerifyIdentity && parsed.ssl_ca.empty()) {
    return Invalid("ssl-mode=verify-identity needs ssl-ca=/path/to/ca.pem");
  }
  parsed.tls_mode =
      parsed.ssl_ca.empty() ? TlsMode::kDisabled : TlsMode::kVerifyIdentity;
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<DatabaseUrl> ParseDatabaseUrl(absl::string_view url) {
  constexpr absl::string_view kScheme = "mysql://";
  if (!absl::StartsWithIgnoreCase(url, kScheme)) {
    return Invalid("must start with mysql://");
  }
  absl::string_view rest = url.substr(kScheme.size());
  if (rest.find('#') != absl::string_view::npos) {
    return Invalid("must not contain '#' (percent-encode it as %23)");
  }

  absl::string_view query;
  if (size_t q = rest.find('?'); q != absl::string_view::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }

  // The last '@' ends the credentials, so an unencoded '@' in a password
  // still parses; the host and database cannot contain one.
  size_t at = rest.rfind('@');
  if (at == absl::string_view::npos) {
    return Invalid(
        "needs USER@ before the host (mysql://USER:PASSWORD@HOST/DB)");
  }
  absl::string_view userinfo = rest.substr(0, at);
  absl::string_view host_and_path = rest.substr(at + 1);

  DatabaseUrl parsed;
  absl::string_view user_part = userinfo;
  absl::string_view password_part;
  if (size_t colon = userinfo.find(':'); colon != absl::string_view::npos) {
    user_part = userinfo.substr(0, colon);
    password_part = userinfo.substr(colon + 1);
  }
  absl::StatusOr<std::string> user = PercentDecode(user_part, "user");
  if (!user.ok()) return user.status();
  if (user->empty()) return Invalid("the user name is empty");
  parsed.user = *std::move(user);
  absl::StatusOr<std::string> password =
      PercentDecode(password_part, "password");
  if (!password.ok()) return password.status();
  parsed.password = *std::move(password);

  size_t slash = host_and_path.find('/');
  if (slash == absl::string_view::npos) {
    return Invalid("needs /DATABASE after the host");
  }
  absl::string_view host_port = host_and_path.substr(0, slash);
  absl::StatusOr<std::string> database =
      PercentDecode(host_and_path.substr(slash + 1), "database name");
  if (!database.ok()) return database.status();
  if (database->empty()) return Invalid("the database name is empty");
  if (database->find('/') != std::string::npos) {
    return Invalid("the database name must not contain '/'");
  }
  parsed.database = *std::move(database);

  absl::string_view port_text;
  if (absl::StartsWith(host_port, "[")) {
    size_t close = host_port.find(']');
    if (close == absl::string_view::npos) {
      return Invalid("an IPv6 host needs a closing ']'");
    }
    parsed.host = std::string(host_port.substr(1, close - 1));
    absl::string_view after = host_port.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':')
        return Invalid("unexpected text after ']' in the host");
      port_text = after.substr(1);
      if (port_text.empty()) return Invalid("the port after ':' is empty");
    }
  } else if (size_t colon = host_port.find(':');
             colon != absl::string_view::npos) {
    parsed.host = std::string(host_port.substr(0, colon));
    port_text = host_port.substr(colon + 1);
    if (port_text.empty()) return Invalid("the port after ':' is empty");
  } else {
    parsed.host = std::string(host_port);
  }
  if (!port_text.empty()) {
    int port = 0;
    if (!absl::SimpleAtoi(port_text, &port) || port < 1 || port > 65535 ||
        port_text[0] == '+' || port_text[0] == '-') {
      return Invalid("the port must be a number from 1 to 65535");
    }
    parsed.port = port;
  }

  if (absl::Status status = ParseParameters(query, parsed); !status.ok()) {
    return status;
  }

  if (parsed.host.empty() && parsed.socket.empty()) {
    return Invalid("the host is empty (give a host, or ?socket=/path)");
  }
  if (!parsed.socket.empty() && parsed.tls_mode != TlsMode::kDisabled) {
    return Invalid(
        "ssl-* parameters need a TCP host; a Unix socket is not encrypted "
        "by TLS here (drop socket= or the ssl-* parameters)");
  }
  return parsed;
}

std::string DescribeDatabaseTarget(const DatabaseUrl& url) {
  if (!url.socket.empty()) {
    return absl::StrCat("socket ", url.socket, "/", url.database);
  }
  const bool ipv6 = url.host.find(':') != std::string::npos;
  return absl::StrCat(
      ipv6 ? "[" : "", url.host, ipv6 ? "]" : "", ":", url.port, "/",
      url.database,
      url.tls_mode == TlsMode::kVerifyIdentity ? " tls=verify-identity" : "");
}

}  // namespace miniter::storage::mysql
