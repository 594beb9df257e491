// library_logs.h: sends what gRPC and protobuf log themselves (gRPC's
// errors, protobuf's "invalid UTF-8 when parsing" warnings about bad
// requests) into the server's JSON log, so that every line of stderr is
// one JSON object (docs/operations.md, "The log").
#ifndef MINITER_SERVER_APP_LIBRARY_LOGS_H_
#define MINITER_SERVER_APP_LIBRARY_LOGS_H_

namespace miniter::app {

// Call once at start, before any other thread runs (neither library's
// setter is thread-safe). Messages become lines whose msg starts with
// "grpc: " or "protobuf: ", at the library's level.
void RouteLibraryLogsToLog();

}  // namespace miniter::app

#endif  // MINITER_SERVER_APP_LIBRARY_LOGS_H_
