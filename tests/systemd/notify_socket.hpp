#pragma once
// A fake $NOTIFY_SOCKET: a unix datagram socket bound to a path, as systemd's manager listens on
// /run/systemd/notify. Each sd_notify(3) call is one datagram; the kernel attaches the sender's
// credentials (SO_PASSCRED), so a test sees which process spoke (NotifyAccess=main).
// Reading waits with poll(2) and a deadline: no sleeping.

#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <optional>
#include <poll.h>
#include <stdexcept>
#include <string>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace refreshd::test {

class notify_socket {
 public:
  struct message {
    std::string text;
    pid_t pid = 0;  ///< the sender (SCM_CREDENTIALS), 0 if the kernel sent none
    std::chrono::steady_clock::time_point at;
  };

  explicit notify_socket(const std::filesystem::path& path) : path_(path.string()) {
    sockaddr_un addr{};
    if (path_.size() >= sizeof addr.sun_path) {
      throw std::runtime_error("notify socket path too long: " + path_);
    }
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) {
      throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
    }
    const int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_PASSCRED, &one, sizeof one);
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path_.c_str(), path_.size() + 1);
    std::filesystem::remove(path);
    if (::bind(fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
      const std::string error = std::strerror(errno);
      ::close(fd_);
      throw std::runtime_error("bind " + path_ + ": " + error);
    }
  }
  ~notify_socket() {
    ::close(fd_);
    std::error_code ec;
    std::filesystem::remove(path_, ec);
  }
  notify_socket(const notify_socket&) = delete;
  notify_socket& operator=(const notify_socket&) = delete;

  const std::string& path() const noexcept { return path_; }
  /// "NOTIFY_SOCKET=<path>", for a child's environment.
  std::string env() const { return "NOTIFY_SOCKET=" + path_; }

  /// The next datagram, waiting at most `timeout` (0: only what is queued already).
  std::optional<message> receive(std::chrono::milliseconds timeout) {
    pollfd p{fd_, POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(timeout.count()));
    if (ready <= 0) {
      return std::nullopt;
    }
    std::array<char, 4096> buf{};
    iovec iov{buf.data(), buf.size()};
    alignas(cmsghdr) std::array<char, CMSG_SPACE(sizeof(ucred))> control{};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.data();
    msg.msg_controllen = control.size();
    const auto n = ::recvmsg(fd_, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
    if (n < 0) {
      return std::nullopt;
    }
    message m;
    m.text.assign(buf.data(), static_cast<std::size_t>(n));
    m.at = std::chrono::steady_clock::now();
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
      if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS) {
        ucred cred{};
        std::memcpy(&cred, CMSG_DATA(c), sizeof cred);
        m.pid = cred.pid;
      }
    }
    return m;
  }

 private:
  std::string path_;
  int fd_ = -1;
};

}  // namespace refreshd::test
