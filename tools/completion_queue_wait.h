// completion_queue_wait.h: waits on a gRPC completion queue until a
// steady-clock time point, for the load tools' event loops.
#ifndef MINITER_TOOLS_COMPLETION_QUEUE_WAIT_H_
#define MINITER_TOOLS_COMPLETION_QUEUE_WAIT_H_

#include <chrono>

#include "grpcpp/grpcpp.h"

namespace miniter::tools {

// The next event on `cq`, or TIMEOUT at `wake`. The loops schedule on the
// steady clock (wall-clock jumps must not skew their rates), but AsyncNext
// takes wall-clock deadlines only, so the remaining time is carried over.
inline grpc::CompletionQueue::NextStatus NextUntil(
    grpc::CompletionQueue& cq, std::chrono::steady_clock::time_point wake,
    void** tag, bool* ok) {
  return cq.AsyncNext(
      tag, ok,
      std::chrono::system_clock::now() +
          std::chrono::duration_cast<std::chrono::system_clock::duration>(
              wake - std::chrono::steady_clock::now()));
}

}  // namespace miniter::tools

#endif  // MINITER_TOOLS_COMPLETION_QUEUE_WAIT_H_
