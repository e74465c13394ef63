#pragma once
// Raw loopback TCP for hostile-input tests: a client that sends bytes the HTTP helper cannot,
// and a server thread that answers each request with whatever bytes a test scripts (floods,
// hostile strings, huge bodies). Blocking sockets with deadlines; no sleeps.

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <thread>

namespace refreshd::test {

/// A raw loopback TCP connection to 127.0.0.1:port.
class raw_client {
 public:
  explicit raw_client(unsigned short port);
  ~raw_client();
  raw_client(const raw_client&) = delete;
  raw_client& operator=(const raw_client&) = delete;

  bool ok() const noexcept { return ok_; }
  int fd() const noexcept { return fd_; }
  /// Sends all of `data`; false when the peer closed or reset the connection.
  bool send(std::string_view data);
  /// Sends `head`, then `total` bytes of `filler` in 64 KiB writes while reading the answer;
  /// stops when the peer closes. Returns the bytes of filler the peer accepted.
  std::size_t flood(std::string_view head, char filler, std::size_t total, std::string& answer);
  /// Reads until the peer closes or `timeout`; `closed` tells which.
  std::string read_all(std::chrono::milliseconds timeout, bool* closed = nullptr);

 private:
  int fd_;
  bool ok_ = false;
};

/// Writes the scripted answer on a connected socket (blocking). Return to close it.
using raw_responder = std::function<void(int fd, const std::string& request)>;

/// Listens on 127.0.0.1:0 in a thread of its own; for each request (head plus Content-Length
/// body) calls `respond`, then closes the connection. Stopped and joined by the destructor.
class raw_server {
 public:
  explicit raw_server(raw_responder respond);
  ~raw_server();
  raw_server(const raw_server&) = delete;
  raw_server& operator=(const raw_server&) = delete;

  unsigned short port() const noexcept { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int requests() const noexcept { return requests_.load(); }

  /// Writes all of `data` to `fd`; false when the peer is gone.
  static bool write_all(int fd, std::string_view data);
  /// Writes `head`, then up to `total` bytes of `filler` in 64 KiB pieces; returns the bytes of
  /// filler written before the peer stopped reading or closed.
  static std::size_t write_flood(int fd, std::string_view head, char filler, std::size_t total);

 private:
  void serve();

  int listen_fd_ = -1;
  unsigned short port_ = 0;
  raw_responder respond_;
  std::atomic<bool> stop_{false};
  std::atomic<int> requests_{0};
  std::thread thread_;
};

}  // namespace refreshd::test
