// tcp_proxy.h: a loopback TCP forwarder the tests put between miniter and
// MariaDB, so they can cut the database off (and bring it back) without
// stopping the MariaDB that other tests share.
#ifndef MINITER_TESTS_INTEGRATION_TCP_PROXY_H_
#define MINITER_TESTS_INTEGRATION_TCP_PROXY_H_

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

namespace miniter::testing {

class TcpProxy {
 public:
  // Listens on 127.0.0.1 (a free port) and forwards to 127.0.0.1:target.
  explicit TcpProxy(int target_port);
  ~TcpProxy();

  int port() const { return port_; }

  // Down: open connections are reset and new ones closed at once, as when
  // the database host goes away. Up: forwarding resumes.
  void SetUp(bool up);

 private:
  void AcceptLoop();
  void Pump(int from, int to);
  void CloseAllConnections();

  int target_port_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> up_{true};
  std::atomic<bool> stopping_{false};
  std::thread acceptor_;
  std::mutex mutex_;
  std::vector<int> open_fds_;       // Guarded by mutex_.
  std::vector<int> all_fds_;        // Guarded by mutex_.
  std::vector<std::thread> pumps_;  // Guarded by mutex_.
};

}  // namespace miniter::testing

#endif  // MINITER_TESTS_INTEGRATION_TCP_PROXY_H_
