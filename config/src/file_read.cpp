#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <fcntl.h>
#include <sys/stat.h>
#include <system_error>
#include <unistd.h>

#include <refreshd/config/file_read.hpp>

namespace refreshd::config {
namespace {

std::string errno_text(int e) {
  return std::error_code(e, std::generic_category()).message();
}

/// "a FIFO", "a character device", ...; empty for a regular file.
std::string_view kind_of(mode_t mode) {
  if (S_ISREG(mode)) {
    return {};
  }
  if (S_ISFIFO(mode)) {
    return "a FIFO";
  }
  if (S_ISCHR(mode)) {
    return "a character device";
  }
  if (S_ISBLK(mode)) {
    return "a block device";
  }
  if (S_ISDIR(mode)) {
    return "a directory";
  }
  if (S_ISSOCK(mode)) {
    return "a socket";
  }
  return "not a file";
}

[[noreturn]] void fail(std::string_view what, std::string_view name, const std::string& reason) {
  throw file_read_error(
      "cannot read " + std::string(what) + " " + std::string(name) + ": " + reason, reason);
}

[[noreturn]] void not_regular(std::string_view what, std::string_view name, mode_t mode) {
  const std::string reason = "not a regular file (" + std::string(kind_of(mode)) + ")";
  throw file_read_error(std::string(what) + " " + std::string(name) + " is " + reason, reason);
}

class fd_guard {
 public:
  explicit fd_guard(int fd) : fd_(fd) {}
  ~fd_guard() { ::close(fd_); }
  fd_guard(const fd_guard&) = delete;
  fd_guard& operator=(const fd_guard&) = delete;
  [[nodiscard]] int get() const noexcept { return fd_; }

 private:
  int fd_;
};

}  // namespace

std::string read_bounded_fd(int fd, std::size_t max_bytes, std::string_view what,
                            std::string_view name) {
  std::string out;
  char buffer[65536];
  // Never ask for more than one byte past the cap, however the file grows meanwhile.
  while (out.size() <= max_bytes) {
    const std::size_t want = std::min(sizeof buffer, max_bytes + 1 - out.size());
    const ::ssize_t n = ::read(fd, buffer, want);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      fail(what, name, errno_text(errno));
    }
    if (n == 0) {
      return out;
    }
    out.append(buffer, static_cast<std::size_t>(n));
  }
  fail(what, name, "larger than " + std::to_string(max_bytes) + " bytes");
}

std::string read_bounded_regular_file(const std::filesystem::path& path, std::size_t max_bytes,
                                      std::string_view what) {
  const std::string name = path.string();
  // stat first: a device is refused without being opened (opening some has side effects).
  struct stat st {};
  if (::stat(name.c_str(), &st) != 0) {
    fail(what, name, errno_text(errno));
  }
  if (!S_ISREG(st.st_mode)) {
    not_regular(what, name, st.st_mode);
  }
  const int raw = ::open(name.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (raw < 0) {
    fail(what, name, errno_text(errno));
  }
  const fd_guard fd(raw);
  // The path may have been swapped since the stat: what counts is what was opened.
  if (::fstat(fd.get(), &st) != 0) {
    fail(what, name, errno_text(errno));
  }
  if (!S_ISREG(st.st_mode)) {
    not_regular(what, name, st.st_mode);
  }
  if (st.st_size > 0 && static_cast<std::uintmax_t>(st.st_size) > max_bytes) {
    fail(what, name, "larger than " + std::to_string(max_bytes) + " bytes");
  }
  return read_bounded_fd(fd.get(), max_bytes, what, name);
}

}  // namespace refreshd::config
