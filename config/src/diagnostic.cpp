#include <refreshd/config/diagnostic.hpp>

namespace refreshd::config {
namespace {

std::string format(const diagnostic& d, std::string_view prefix) {
  std::string out = d.file;
  if (d.line > 0) {
    out += ':' + std::to_string(d.line) + ':' + std::to_string(d.column);
  }
  out += ": ";
  out += prefix;
  if (!d.path.empty()) {
    out += d.path;
    out += ": ";
  }
  out += d.message;
  return out;
}

}  // namespace

std::string to_string(const diagnostic& d, std::string_view prefix) {
  return format(d, prefix);
}

std::string to_string(const std::vector<diagnostic>& list, std::string_view prefix) {
  std::string out;
  for (const diagnostic& d : list) {
    out += format(d, prefix);
    out += '\n';
  }
  return out;
}

}  // namespace refreshd::config
