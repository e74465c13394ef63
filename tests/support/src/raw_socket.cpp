#include <arpa/inet.h>
#include <cerrno>
#include <netinet/in.h>
#include <poll.h>
#include <stdexcept>
#include <sys/socket.h>
#include <unistd.h>

#include <refreshd/test/raw_socket.hpp>

namespace refreshd::test {

namespace {

sockaddr_in loopback(unsigned short port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

bool wait_for(int fd, short events, int timeout_ms) {
  pollfd p{fd, events, 0};
  return ::poll(&p, 1, timeout_ms) > 0;
}

// Reads one request: the head, then as many body bytes as Content-Length says (case-insensitive
// search is enough for the requests our own binaries send).
std::string read_request(int fd) {
  std::string req;
  std::size_t want = std::string::npos;
  while (req.size() < want) {
    if (!wait_for(fd, POLLIN, 10'000)) {
      break;
    }
    char buf[16 * 1024];
    const auto n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) {
      break;
    }
    req.append(buf, static_cast<std::size_t>(n));
    const auto end = req.find("\r\n\r\n");
    if (want == std::string::npos && end != std::string::npos) {
      std::size_t length = 0;
      for (auto name : {"Content-Length:", "content-length:"}) {
        if (auto at = req.find(name); at != std::string::npos && at < end) {
          length = std::stoul(req.substr(at + 15));
        }
      }
      want = end + 4 + length;
    }
  }
  return req;
}

}  // namespace

raw_client::raw_client(unsigned short port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
  const auto a = loopback(port);
  ok_ = ::connect(fd_, reinterpret_cast<const sockaddr*>(&a), sizeof a) == 0;
}

raw_client::~raw_client() {
  ::close(fd_);
}

bool raw_client::send(std::string_view data) {
  return raw_server::write_all(fd_, data);
}

std::size_t raw_client::flood(std::string_view head, char filler, std::size_t total,
                              std::string& answer) {
  if (!send(head)) {
    return 0;
  }
  const std::string piece(64 * 1024, filler);
  std::size_t sent = 0;
  while (sent < total) {
    pollfd p[1] = {{fd_, POLLIN | POLLOUT, 0}};
    if (::poll(p, 1, 10'000) <= 0) {
      break;
    }
    if ((p[0].revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
      break;  // the peer answered (or gave up): stop flooding and read the rest
    }
    const auto n = ::send(fd_, piece.data(), piece.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
      break;
    }
    sent += n > 0 ? static_cast<std::size_t>(n) : 0;
  }
  answer += read_all(std::chrono::seconds(10));
  return sent;
}

std::string raw_client::read_all(std::chrono::milliseconds timeout, bool* closed) {
  std::string out;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || !wait_for(fd_, POLLIN, static_cast<int>(left.count()))) {
      break;
    }
    char buf[4096];
    const auto n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) {
      if (closed != nullptr) {
        *closed = true;
      }
      return out;
    }
    out.append(buf, static_cast<std::size_t>(n));
  }
  if (closed != nullptr) {
    *closed = false;
  }
  return out;
}

raw_server::raw_server(raw_responder respond) : respond_(std::move(respond)) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  auto a = loopback(0);
  socklen_t len = sizeof a;
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::listen(listen_fd_, 64) != 0 ||
      ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    ::close(listen_fd_);
    throw std::runtime_error("raw_server: cannot listen on 127.0.0.1:0");
  }
  port_ = ntohs(a.sin_port);
  thread_ = std::thread([this] { serve(); });
}

raw_server::~raw_server() {
  stop_ = true;
  thread_.join();
  ::close(listen_fd_);
}

void raw_server::serve() {
  while (!stop_) {
    if (!wait_for(listen_fd_, POLLIN, 50)) {
      continue;
    }
    const int fd = ::accept(listen_fd_, nullptr, nullptr);
    if (fd < 0) {
      continue;
    }
    const auto request = read_request(fd);
    ++requests_;
    respond_(fd, request);
    ::shutdown(fd, SHUT_WR);
    ::close(fd);
  }
}

bool raw_server::write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    if (!wait_for(fd, POLLOUT, 10'000)) {
      return false;
    }
    const auto n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) {
      return false;
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

std::size_t raw_server::write_flood(int fd, std::string_view head, char filler, std::size_t total) {
  if (!write_all(fd, head)) {
    return 0;
  }
  const std::string piece(64 * 1024, filler);
  std::size_t sent = 0;
  while (sent < total && write_all(fd, piece)) {
    sent += piece.size();
  }
  return sent;
}

}  // namespace refreshd::test
