#pragma once
// Reading the files the daemon is pointed at (config, token and CA files) without trusting
// them: a regular file of bounded size, or an error that names the file and never quotes it.

#include <cstddef>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>

namespace refreshd::config {

/// Largest CA bundle accepted (bytes); the whole Mozilla bundle is about 220 KiB.
inline constexpr std::size_t max_ca_file_size = std::size_t{1024} * 1024;
/// Largest listen_tls.cert_file (a chain) and listen_tls.key_file accepted (bytes).
inline constexpr std::size_t max_cert_file_size = std::size_t{1024} * 1024;
inline constexpr std::size_t max_key_file_size = std::size_t{64} * 1024;

/// Thrown by read_bounded_regular_file. what() names the kind of file and its path, never a
/// byte of its content; reason() is the same without the name ("not a regular file (a FIFO)",
/// "larger than 65536 bytes", "No such file or directory").
class file_read_error : public std::runtime_error {
 public:
  file_read_error(const std::string& message, std::string reason)
      : std::runtime_error(message), reason_(std::move(reason)) {}
  [[nodiscard]] const std::string& reason() const noexcept { return reason_; }

 private:
  std::string reason_;
};

/// The whole content of `path`, which must be a regular file (symlinks followed) of at most
/// `max_bytes` bytes. `what` names the file in errors ("config file", "token file", "CA file").
/// * Never blocks: the file is opened with O_NONBLOCK, so a FIFO is refused, not waited on.
/// * The opened descriptor is checked (fstat), so a path swapped for a device between the check
///   and the open is refused too; a FIFO, device, socket or directory is an error naming it:
///   "token file /x is not a regular file (a FIFO)".
/// * At most max_bytes + 1 bytes are read: a file that grows while it is read cannot pass the
///   cap ("cannot read config file /x: larger than N bytes").
/// Throws file_read_error.
std::string read_bounded_regular_file(const std::filesystem::path& path, std::size_t max_bytes,
                                      std::string_view what);

/// The content of an already open descriptor (standard input for `--external-spec-file -`),
/// read to its end but never past `max_bytes` + 1 bytes. `name` stands for the source in
/// errors ("standard input"). Blocks like read(2) on a pipe or terminal. Throws file_read_error.
std::string read_bounded_fd(int fd, std::size_t max_bytes, std::string_view what,
                            std::string_view name);

}  // namespace refreshd::config
