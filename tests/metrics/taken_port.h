// taken_port.h: a loopback TCP port held by a listening socket, for tests
// of what happens when an address to serve on is already taken.
#ifndef MINITER_TESTS_METRICS_TAKEN_PORT_H_
#define MINITER_TESTS_METRICS_TAKEN_PORT_H_

namespace miniter::testing {

class TakenPort {
 public:
  // Listens on 127.0.0.1 on a port the kernel picks; port() is 0 when that
  // failed.
  TakenPort();
  ~TakenPort();
  TakenPort(const TakenPort&) = delete;
  TakenPort& operator=(const TakenPort&) = delete;

  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

}  // namespace miniter::testing

#endif  // MINITER_TESTS_METRICS_TAKEN_PORT_H_
