// call_log_interceptor.h: one JSON line per call (call_record.h) for every
// call the server answers, chosen by a CallLogPolicy.
//
// An interceptor rather than code in each handler, so that calls no
// handler answers are logged too: requests that do not decode, calls gRPC
// refuses itself (thread quota), health checks, reflection. Handlers add
// the user id and a Tweet's request_id through CallNotes.
#ifndef MINITER_SERVER_API_CALL_LOG_INTERCEPTOR_H_
#define MINITER_SERVER_API_CALL_LOG_INTERCEPTOR_H_

#include <functional>
#include <string>

#include "grpcpp/support/server_interceptor.h"
#include "server/api/call_log_policy.h"

namespace miniter::api {

// Receives each selected line: one JSON object, no line break. Called from
// many threads at once.
using CallLogSink = std::function<void(std::string line)>;

// Install with ServerBuilder::experimental().SetInterceptorCreators(),
// after interceptors that change the status (RequestDecodingInterceptor),
// so that the line has the code the client gets.
class CallLogInterceptorFactory final
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  // `sink` defaults to stderr (common::WriteLogRecord).
  explicit CallLogInterceptorFactory(CallLogPolicy policy,
                                     CallLogSink sink = nullptr);

  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override;

 private:
  const CallLogPolicy policy_;
  const CallLogSink sink_;
};

}  // namespace miniter::api

#endif  // MINITER_SERVER_API_CALL_LOG_INTERCEPTOR_H_
