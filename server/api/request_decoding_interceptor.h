// request_decoding_interceptor.h: turns "the request could not be decoded"
// into INVALID_ARGUMENT.
//
// gRPC parses a request before any handler runs, and when parsing fails
// (for example a proto3 string field holding invalid UTF-8, which
// protobuf refuses) it answers INTERNAL (UNIMPLEMENTED, without a message,
// for a callback-API method such as WatchTimeline), which reads as a server
// bug or a missing method. The mistake is the client's, so this interceptor
// notices the failed decode and rewrites the status the server is about to
// send.
#ifndef MINITER_SERVER_API_REQUEST_DECODING_INTERCEPTOR_H_
#define MINITER_SERVER_API_REQUEST_DECODING_INTERCEPTOR_H_

#include "grpcpp/support/server_interceptor.h"

namespace miniter::api {

// Install with ServerBuilder::experimental().SetInterceptorCreators().
class RequestDecodingInterceptorFactory final
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override;
};

}  // namespace miniter::api

#endif  // MINITER_SERVER_API_REQUEST_DECODING_INTERCEPTOR_H_
