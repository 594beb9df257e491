// taken_port.cc: bind, listen and report the port.
#include "tests/metrics/taken_port.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace miniter::testing {

TakenPort::TakenPort() {
  fd_ = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (fd_ < 0 ||
      bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      listen(fd_, 1) != 0 ||
      getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    return;
  }
  port_ = ntohs(address.sin_port);
}

TakenPort::~TakenPort() {
  if (fd_ >= 0) close(fd_);
}

}  // namespace miniter::testing
