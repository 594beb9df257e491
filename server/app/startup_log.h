// startup_log.h: logs each thing the server waits for while it starts
// (database, migrations, memory tier, storage, listening) and how long it
// took, so that a slow start can be told apart from a hung one in the log.
#ifndef MINITER_SERVER_APP_STARTUP_LOG_H_
#define MINITER_SERVER_APP_STARTUP_LOG_H_

#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace miniter::app {

// Not thread-safe: one start-up, one thread.
class StartupLog {
 public:
  // The clock starts here.
  StartupLog();

  // Ends the step in progress (logging its time) and logs
  // "starting: <what>..." for the next one.
  void Step(absl::string_view what);

  // Ends the step in progress and logs the whole start-up's time.
  void Done();

 private:
  void EndStep();

  absl::Time started_;
  absl::Time step_started_;
  std::string step_;
};

}  // namespace miniter::app

#endif  // MINITER_SERVER_APP_STARTUP_LOG_H_
