#include <refreshd/config/file_read.hpp>
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
  std::string out;
  try {
    out = read_bounded_regular_file(path, max_token_file_size, "token file");
  } catch (const file_read_error& e) {
    throw token_error(e.what());
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
