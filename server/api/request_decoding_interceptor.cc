// request_decoding_interceptor.cc: see the header for why.
#include "server/api/request_decoding_interceptor.h"

#include <string>

#include "absl/strings/str_cat.h"

namespace miniter::api {
namespace {

using grpc::experimental::InterceptionHookPoints;

class RequestDecodingInterceptor final
    : public grpc::experimental::Interceptor {
 public:
  explicit RequestDecodingInterceptor(const char* method)
      : method_(method == nullptr ? "" : method) {}

  void Intercept(
      grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::POST_RECV_MESSAGE) &&
        methods->GetRecvMessage() == nullptr) {
      // gRPC reports a message that arrived but did not parse as a null
      // message at this point.
      decode_failed_ = true;
    }
    // The sync API answers a request it cannot decode with INTERNAL; the
    // callback API (WatchTimeline) with UNIMPLEMENTED and no message.
    if (decode_failed_ &&
        methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::PRE_SEND_STATUS) &&
        (methods->GetSendStatus().error_code() == grpc::StatusCode::INTERNAL ||
         methods->GetSendStatus().error_code() ==
             grpc::StatusCode::UNIMPLEMENTED)) {
      methods->ModifySendStatus(grpc::Status(
          grpc::StatusCode::INVALID_ARGUMENT,
          absl::StrCat("the request to ", method_,
                       " could not be decoded: it is not a valid protobuf "
                       "message of the expected type, or a string field is "
                       "not valid UTF-8")));
    }
    methods->Proceed();
  }

 private:
  const std::string method_;
  bool decode_failed_ = false;
};

}  // namespace

grpc::experimental::Interceptor*
RequestDecodingInterceptorFactory::CreateServerInterceptor(
    grpc::experimental::ServerRpcInfo* info) {
  return new RequestDecodingInterceptor(info->method());
}

}  // namespace miniter::api
