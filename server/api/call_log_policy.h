// call_log_policy.h: which calls get a line in the call log
// (--call_log, --call_log_sample).
#ifndef MINITER_SERVER_API_CALL_LOG_POLICY_H_
#define MINITER_SERVER_API_CALL_LOG_POLICY_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "grpcpp/support/status.h"

namespace miniter::api {

struct CallLogPolicy {
  enum class Mode {
    kAll,     // every call (successful ones sampled by `sample`)
    kErrors,  // only calls that did not end OK
    kOff,     // none: the interceptor is not even installed
  };
  Mode mode = Mode::kAll;
  // With kAll, the share of successful calls logged, 0..1. Failed calls are
  // always logged (they are the ones someone comes looking for), and so are
  // calls whose W3C traceparent has the sampled flag: the client asked for
  // this call to be traceable.
  double sample = 1.0;

  // From the settings' text: `mode` is all, errors or off (empty: all);
  // `sample` a decimal number from 0 to 1 (empty: 1). INVALID_ARGUMENT
  // naming the setting otherwise.
  static absl::StatusOr<CallLogPolicy> Parse(absl::string_view mode,
                                             absl::string_view sample);

  // Whether a call that ended with `code` is logged. `draw` is uniform in
  // [0, 1), drawn by the caller only when `NeedsDraw()`.
  bool Selects(grpc::StatusCode code, bool trace_sampled, double draw) const;
  bool NeedsDraw() const { return mode == Mode::kAll && sample < 1.0; }

  // For the start-up log: "every call", "failed calls only", ...
  std::string Describe() const;
};

}  // namespace miniter::api

#endif  // MINITER_SERVER_API_CALL_LOG_POLICY_H_
