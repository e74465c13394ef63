#include "files.hpp"

#include <cerrno>
#include <cstdio>
#include <sys/stat.h>
#include <system_error>

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

std::optional<std::string> check_readable_file(const std::string& path) {
  struct stat st {};
  if (auto e = stat_regular(path, "file", st)) {
    return e;
  }
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    return "cannot read " + path + ": " + errno_text(errno);
  }
  std::fclose(f);
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
