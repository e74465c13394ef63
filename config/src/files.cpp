#include "files.hpp"

#include <cerrno>
#include <sys/stat.h>
#include <system_error>

#include <refreshd/config/file_read.hpp>
#include <refreshd/config/token.hpp>

namespace refreshd::config::detail {
namespace {

std::string errno_text(int e) {
  return std::error_code(e, std::generic_category()).message();
}

// Regular file check shared by both kinds of files; fills `st`.
std::optional<std::string> stat_regular(const std::string& path, const char* what,
                                        struct stat& st) {
  if (::stat(path.c_str(), &st) != 0) {
    return std::string(what) + " " + path + ": " + errno_text(errno);
  }
  if (!S_ISREG(st.st_mode)) {
    return std::string(what) + " " + path + " is not a regular file";
  }
  return std::nullopt;
}

}  // namespace

secret_file_check check_secret_file(const std::string& path) {
  secret_file_check result;
  struct stat st {};
  if (auto e = stat_regular(path, "token file", st)) {
    result.error = std::move(e);
    return result;
  }
  result.mode = static_cast<unsigned>(st.st_mode) & 07777U;
  result.readable_by_others = (st.st_mode & (S_IRGRP | S_IROTH)) != 0;
  try {
    (void)read_token(token_source{token_kind::file, path, {}}, {});
  } catch (const token_error& e) {
    result.error = e.what();
  }
  return result;
}

std::optional<std::string> check_ca_file(const std::string& path) {
  try {
    (void)read_bounded_regular_file(path, max_ca_file_size, "CA file");
  } catch (const file_read_error& e) {
    return e.what();
  }
  return std::nullopt;
}

std::string resolve_path(const std::filesystem::path& base, const std::string& p) {
  std::filesystem::path path(p);
  if (p.empty() || path.is_absolute() || base.empty()) {
    return p;
  }
  return (base / path).lexically_normal().string();
}

std::string format_mode(unsigned mode) {
  std::string out = "0";
  for (int shift = 6; shift >= 0; shift -= 3) {
    out += static_cast<char>('0' + ((mode >> static_cast<unsigned>(shift)) & 7U));
  }
  return out;
}

}  // namespace refreshd::config::detail
