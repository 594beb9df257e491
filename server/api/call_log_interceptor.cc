// call_log_interceptor.cc: timing a call, reading its traceparent, and
// writing its line once the reply is on its way.
#include "server/api/call_log_interceptor.h"

#include <chrono>
#include <iterator>
#include <map>
#include <optional>
#include <utility>

#include "absl/random/random.h"
#include "absl/time/clock.h"
#include "grpcpp/server_context.h"
#include "server/api/call_notes.h"
#include "server/common/log.h"

namespace miniter::api {
namespace {

using grpc::experimental::InterceptionHookPoints;

// A uniform draw in [0, 1) without a shared lock: one generator per thread.
double Draw() {
  thread_local absl::InsecureBitGen generator;
  return absl::Uniform(generator, 0.0, 1.0);
}

class CallLogInterceptor final : public grpc::experimental::Interceptor {
 public:
  CallLogInterceptor(grpc::experimental::ServerRpcInfo* info,
                     const CallLogPolicy& policy, const CallLogSink& sink)
      : info_(info),
        policy_(policy),
        sink_(sink),
        started_(std::chrono::steady_clock::now()) {
    record_.method = info->method() == nullptr ? "" : info->method();
  }

  // The line is written here, after the status went out (the sync server
  // destroys the call once its reply is sent), so that a slow stderr never
  // delays a reply.
  ~CallLogInterceptor() override {
    CallNotes::Detach(&record_);
    if (line_.empty()) return;
    if (sink_) {
      sink_(std::move(line_));
    } else {
      common::WriteLogRecord(std::move(line_));
    }
  }

  void Intercept(
      grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::POST_RECV_INITIAL_METADATA)) {
      ReadTraceparent(*methods->GetRecvInitialMetadata());
      // Only sync-API handlers are sure to run next on this thread
      // (call_notes.h); the callback API's contexts are another class.
      if (dynamic_cast<grpc::ServerContext*>(info_->server_context()) !=
          nullptr) {
        CallNotes::Attach(info_->server_context(), &record_);
      }
    }
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::PRE_SEND_STATUS)) {
      CallNotes::Detach(&record_);
      Finish(methods->GetSendStatus().error_code());
    }
    methods->Proceed();
  }

 private:
  // A single well-formed entry only: two traceparents are ambiguous, and a
  // malformed one is ignored, as the specification asks.
  void ReadTraceparent(
      const std::multimap<grpc::string_ref, grpc::string_ref>& metadata) {
    const auto range = metadata.equal_range("traceparent");
    if (range.first == range.second || std::next(range.first) != range.second) {
      return;
    }
    record_.trace = ParseTraceparent(absl::string_view(
        range.first->second.data(), range.first->second.size()));
  }

  void Finish(grpc::StatusCode code) {
    const auto took = std::chrono::steady_clock::now() - started_;
    const bool trace_sampled =
        record_.trace.has_value() && record_.trace->sampled;
    const double draw = policy_.NeedsDraw() ? Draw() : 0.0;
    if (!policy_.Selects(code, trace_sampled, draw)) return;
    record_.end = absl::Now();
    record_.code = code;
    record_.latency = absl::FromChrono(took);
    record_.peer = info_->server_context()->peer();
    line_ = FormatCallRecord(record_);
  }

  grpc::experimental::ServerRpcInfo* const info_;
  const CallLogPolicy& policy_;
  const CallLogSink& sink_;
  const std::chrono::steady_clock::time_point started_;
  CallRecord record_;
  // Formatted at the status, written by the destructor; empty when the
  // policy did not select the call.
  std::string line_;
};

}  // namespace

CallLogInterceptorFactory::CallLogInterceptorFactory(CallLogPolicy policy,
                                                     CallLogSink sink)
    : policy_(policy), sink_(std::move(sink)) {}

grpc::experimental::Interceptor*
CallLogInterceptorFactory::CreateServerInterceptor(
    grpc::experimental::ServerRpcInfo* info) {
  return new CallLogInterceptor(info, policy_, sink_);
}

}  // namespace miniter::api
