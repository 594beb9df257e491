// call_log_policy.cc: parsing and applying --call_log and
// --call_log_sample.
#include "server/api/call_log_policy.h"

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace miniter::api {

absl::StatusOr<CallLogPolicy> CallLogPolicy::Parse(absl::string_view mode,
                                                   absl::string_view sample) {
  CallLogPolicy policy;
  const std::string mode_name =
      absl::AsciiStrToLower(absl::StripAsciiWhitespace(mode));
  if (mode_name.empty() || mode_name == "all") {
    policy.mode = Mode::kAll;
  } else if (mode_name == "errors") {
    policy.mode = Mode::kErrors;
  } else if (mode_name == "off") {
    policy.mode = Mode::kOff;
  } else {
    return absl::InvalidArgumentError(absl::StrCat(
        "call_log must be all, errors or off, not \"", mode, "\""));
  }
  const absl::string_view share = absl::StripAsciiWhitespace(sample);
  if (!share.empty() && (!absl::SimpleAtod(share, &policy.sample) ||
                         !(policy.sample >= 0.0) || policy.sample > 1.0)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "call_log_sample must be a number from 0 to 1, e.g. 0.01, not \"",
        sample, "\""));
  }
  return policy;
}

bool CallLogPolicy::Selects(grpc::StatusCode code, bool trace_sampled,
                            double draw) const {
  switch (mode) {
    case Mode::kOff: return false;
    case Mode::kErrors: return code != grpc::StatusCode::OK;
    case Mode::kAll:
      return code != grpc::StatusCode::OK || trace_sampled || sample >= 1.0 ||
             draw < sample;
  }
  return false;
}

std::string CallLogPolicy::Describe() const {
  switch (mode) {
    case Mode::kOff: return "off";
    case Mode::kErrors: return "failed calls only";
    case Mode::kAll:
      return sample >= 1.0 ? "every call"
                           : absl::StrCat("failed calls, sampled traces and ",
                                          sample * 100, "% of the others");
  }
  return "";
}

}  // namespace miniter::api
