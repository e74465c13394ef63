#pragma once
// Small ASCII text helpers shared by the schedule parsers (private).

#include <string_view>
#include <vector>

namespace refreshd::schedule::detail {

inline bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

inline char to_lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

inline bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (to_lower(a[i]) != to_lower(b[i])) {
      return false;
    }
  }
  return true;
}

inline std::string_view trim(std::string_view text) {
  while (!text.empty() && is_space(text.front())) {
    text.remove_prefix(1);
  }
  while (!text.empty() && is_space(text.back())) {
    text.remove_suffix(1);
  }
  return text;
}

inline std::size_t find_space(std::string_view text) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (is_space(text[i])) {
      return i;
    }
  }
  return std::string_view::npos;
}

inline std::vector<std::string_view> split_spaces(std::string_view text) {
  std::vector<std::string_view> tokens;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && is_space(text[i])) {
      ++i;
    }
    const std::size_t start = i;
    while (i < text.size() && !is_space(text[i])) {
      ++i;
    }
    if (i > start) {
      tokens.push_back(text.substr(start, i - start));
    }
  }
  return tokens;
}

inline bool all_digits(std::string_view text) {
  if (text.empty()) {
    return false;
  }
  for (const char c : text) {
    if (c < '0' || c > '9') {
      return false;
    }
  }
  return true;
}

/// Decimal value of an all-digit string, saturated at `cap` (so huge inputs cannot overflow).
inline int to_int_clamped(std::string_view digits, int cap) {
  int value = 0;
  for (const char c : digits) {
    value = value * 10 + (c - '0');
    if (value > cap) {
      return cap;
    }
  }
  return value;
}

}  // namespace refreshd::schedule::detail
