// http_get.h: a plain HTTP GET (libcurl) for tests that read the metrics
// endpoint and Prometheus's HTTP API.
#ifndef MINITER_TESTS_METRICS_HTTP_GET_H_
#define MINITER_TESTS_METRICS_HTTP_GET_H_

#include <string>

#include "absl/status/statusor.h"

namespace miniter::testing {

struct HttpResponse {
  long status = 0;
  std::string content_type;
  std::string body;
};

// GETs `url` with a 10 s timeout. UNAVAILABLE when nothing answers (or the
// transfer fails); any HTTP status is a response.
absl::StatusOr<HttpResponse> HttpGet(const std::string& url);

// `text` percent-encoded for a URL's query string.
std::string UrlEncode(const std::string& text);

}  // namespace miniter::testing

#endif  // MINITER_TESTS_METRICS_HTTP_GET_H_
