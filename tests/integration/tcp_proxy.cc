// tcp_proxy.cc: blocking sockets, one thread per direction; test use only.
#include "tests/integration/tcp_proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>

namespace miniter::testing {
namespace {

sockaddr_in Loopback(int port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return address;
}

}  // namespace

TcpProxy::TcpProxy(int target_port) : target_port_(target_port) {
  listen_fd_ = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address = Loopback(0);
  if (listen_fd_ < 0 ||
      bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) !=
          0 ||
      listen(listen_fd_, 64) != 0) {
    std::abort();
  }
  socklen_t length = sizeof address;
  getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length);
  port_ = ntohs(address.sin_port);
  acceptor_ = std::thread([this] { AcceptLoop(); });
}

TcpProxy::~TcpProxy() {
  stopping_ = true;
  shutdown(listen_fd_, SHUT_RDWR);
  close(listen_fd_);
  acceptor_.join();
  CloseAllConnections();
  std::vector<std::thread> pumps;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    pumps.swap(pumps_);
  }
  for (std::thread& pump : pumps) pump.join();
  for (int fd : all_fds_) close(fd);
}

void TcpProxy::SetUp(bool up) {
  up_ = up;
  if (!up) CloseAllConnections();
}

void TcpProxy::CloseAllConnections() {
  std::lock_guard<std::mutex> lock(mutex_);
  // shutdown() wakes the pump threads blocked in read(); they close the
  // descriptors themselves.
  for (int fd : open_fds_) shutdown(fd, SHUT_RDWR);
  open_fds_.clear();
}

void TcpProxy::AcceptLoop() {
  while (!stopping_) {
    pollfd poll_fd{listen_fd_, POLLIN, 0};
    if (poll(&poll_fd, 1, 100) <= 0) continue;
    const int client = accept(listen_fd_, nullptr, nullptr);
    if (client < 0) continue;
    if (!up_) {
      close(client);
      continue;
    }
    const int server = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in target = Loopback(target_port_);
    if (connect(server, reinterpret_cast<sockaddr*>(&target), sizeof target) !=
        0) {
      close(server);
      close(client);
      continue;
    }
    std::lock_guard<std::mutex> lock(mutex_);
    open_fds_.push_back(client);
    open_fds_.push_back(server);
    all_fds_.push_back(client);
    all_fds_.push_back(server);
    pumps_.emplace_back([this, client, server] { Pump(client, server); });
    pumps_.emplace_back([this, client, server] { Pump(server, client); });
  }
}

void TcpProxy::Pump(int from, int to) {
  char buffer[16384];
  while (true) {
    const ssize_t got = read(from, buffer, sizeof buffer);
    if (got <= 0) break;
    ssize_t sent = 0;
    while (sent < got) {
      const ssize_t wrote = write(to, buffer + sent, got - sent);
      if (wrote <= 0) break;
      sent += wrote;
    }
    if (sent < got) break;
  }
  // Both directions end together. Descriptors are closed only by the
  // destructor, so a number is never reused while a pump might touch it.
  shutdown(to, SHUT_RDWR);
  shutdown(from, SHUT_RDWR);
}

}  // namespace miniter::testing
