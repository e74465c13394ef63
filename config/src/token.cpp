#include <cerrno>
#include <cstdio>
#include <memory>
#include <system_error>

#include <refreshd/config/token.hpp>

namespace refreshd::config {
namespace {

void trim_trailing_space(std::string& s) {
  while (!s.empty() &&
         (s.back() == '\n' || s.back() == '\r' || s.back() == ' ' || s.back() == '\t')) {
    s.pop_back();
  }
}

std::string read_token_file(const std::string& path) {
  const auto fail = [&](const std::string& why) {
    return token_error("cannot read token file " + path + ": " + why);
  };
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!f) {
    throw fail(std::error_code(errno, std::generic_category()).message());
  }
  std::string out;
  char buffer[4096];
  for (;;) {
    const std::size_t n = std::fread(buffer, 1, sizeof buffer, f.get());
    out.append(buffer, n);
    if (out.size() > max_token_file_size) {
      throw fail("larger than " + std::to_string(max_token_file_size) + " bytes");
    }
    if (n < sizeof buffer) {
      break;
    }
  }
  if (std::ferror(f.get()) != 0) {
    throw fail("read error");
  }
  trim_trailing_space(out);
  if (out.empty()) {
    throw token_error("token file " + path + " is empty");
  }
  return out;
}

}  // namespace

std::string describe(const token_source& source) {
  switch (source.kind) {
    case token_kind::file:
      return "file " + source.reference;
    case token_kind::env:
      return "env " + source.reference;
    case token_kind::literal:
      return "inline token";
    case token_kind::none:
      break;
  }
  return "none";
}

std::string read_token(const token_source& source, const env_lookup& env) {
  switch (source.kind) {
    case token_kind::file:
      return read_token_file(source.reference);
    case token_kind::env: {
      std::optional<std::string> value = env ? env(source.reference) : std::nullopt;
      if (!value) {
        throw token_error("token variable " + source.reference + " is not set");
      }
      trim_trailing_space(*value);
      if (value->empty()) {
        throw token_error("token variable " + source.reference + " is empty");
      }
      return *value;
    }
    case token_kind::literal: {
      std::string value = source.literal.reveal();
      trim_trailing_space(value);
      return value;
    }
    case token_kind::none:
      break;
  }
  return {};
}

}  // namespace refreshd::config
