// startup_log.cc: the start-up step log (see the header).
#include "server/app/startup_log.h"

#include <cstdint>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "server/common/log.h"

namespace miniter::app {
namespace {

std::int64_t MillisSince(absl::Time start) {
  return absl::ToInt64Milliseconds(absl::Now() - start);
}

}  // namespace

StartupLog::StartupLog() : started_(absl::Now()), step_started_(started_) {}

void StartupLog::Step(absl::string_view what) {
  EndStep();
  step_ = std::string(what);
  step_started_ = absl::Now();
  common::LogLine(absl::StrCat("starting: ", step_, "..."));
}

void StartupLog::Done() {
  EndStep();
  common::LogLine(absl::StrCat("started in ", MillisSince(started_), " ms"));
}

void StartupLog::EndStep() {
  if (step_.empty()) return;
  common::LogLine(absl::StrCat("starting: ", step_, ": done in ",
                               MillisSince(step_started_), " ms"));
  step_.clear();
}

}  // namespace miniter::app
