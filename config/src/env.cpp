#include <cstdlib>

#include <refreshd/config/env.hpp>

namespace refreshd::config {
namespace {

bool valid_name(std::string_view name) noexcept {
  if (name.empty()) {
    return false;
  }
  const auto alpha = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  };
  if (!alpha(name.front())) {
    return false;
  }
  for (char c : name) {
    if (!alpha(c) && !(c >= '0' && c <= '9')) {
      return false;
    }
  }
  return true;
}

// Resolves the inside of one ${...}; appends to `out` or records an error.
void resolve(std::string_view inner, const env_lookup& env, std::string& out,
             std::vector<std::string>& errors) {
  const std::size_t sep = inner.find(":-");
  const std::string_view name = inner.substr(0, sep);
  if (!valid_name(name)) {
    errors.emplace_back(
        "invalid variable reference: expected ${NAME} or ${NAME:-default} where NAME is made of "
        "letters, digits and '_' and does not start with a digit");
    return;
  }
  std::optional<std::string> value = env ? env(name) : std::nullopt;
  if (sep == std::string_view::npos) {
    if (!value) {
      errors.push_back("environment variable " + std::string(name) + " is not set (write ${" +
                       std::string(name) + ":-default} to give a default)");
      return;
    }
    out += *value;
    return;
  }
  const std::string_view fallback = inner.substr(sep + 2);
  if (fallback.find("${") != std::string_view::npos) {
    errors.push_back("nested ${...} in the default of " + std::string(name) + " is not supported");
    return;
  }
  out += (value && !value->empty()) ? std::string_view(*value) : fallback;
}

}  // namespace

env_lookup process_env() {
  return [](std::string_view name) -> std::optional<std::string> {
    const std::string key(name);
    // getenv is only read here, never written by the daemon.
    const char* value = std::getenv(key.c_str());  // NOLINT(concurrency-mt-unsafe)
    if (value == nullptr) {
      return std::nullopt;
    }
    return std::string(value);
  };
}

expansion expand_env(std::string_view text, const env_lookup& env) {
  expansion result;
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    if (c != '$' || i + 1 >= text.size()) {
      out += c;
      ++i;
      continue;
    }
    if (text[i + 1] == '$') {
      out += '$';
      i += 2;
      continue;
    }
    if (text[i + 1] != '{') {
      out += c;
      ++i;
      continue;
    }
    result.used_variables = true;
    const std::size_t close = text.find('}', i + 2);
    if (close == std::string_view::npos) {
      result.errors.emplace_back("unterminated '${' (missing '}')");
      break;
    }
    resolve(text.substr(i + 2, close - i - 2), env, out, result.errors);
    i = close + 1;
  }
  if (result.errors.empty()) {
    result.value = std::move(out);
  }
  return result;
}

}  // namespace refreshd::config
