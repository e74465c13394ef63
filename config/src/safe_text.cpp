#include <cstddef>

#include <refreshd/config/safe_text.hpp>

namespace refreshd::daemon {
namespace {

/// One code point of `s` at `i`; len 0 when s[i] does not start a well-formed UTF-8 sequence
/// (Unicode 15, table 3-7: no overlong forms, no surrogates, nothing above U+10FFFF).
struct decoded {
  char32_t cp = 0;
  std::size_t len = 0;
};

unsigned char byte_at(std::string_view s, std::size_t i) {
  return static_cast<unsigned char>(s[i]);
}

decoded decode(std::string_view s, std::size_t i) {
  const unsigned char b = byte_at(s, i);
  if (b < 0x80) {
    return {b, 1};
  }
  std::size_t len = 0;
  char32_t cp = 0;
  unsigned char lo = 0x80;  // bounds of the second byte
  unsigned char hi = 0xbf;
  if (b >= 0xc2 && b <= 0xdf) {
    len = 2;
    cp = b & 0x1fu;
  } else if (b >= 0xe0 && b <= 0xef) {
    len = 3;
    cp = b & 0x0fu;
    lo = b == 0xe0 ? 0xa0 : 0x80;  // overlong
    hi = b == 0xed ? 0x9f : 0xbf;  // surrogates
  } else if (b >= 0xf0 && b <= 0xf4) {
    len = 4;
    cp = b & 0x07u;
    lo = b == 0xf0 ? 0x90 : 0x80;  // overlong
    hi = b == 0xf4 ? 0x8f : 0xbf;  // above U+10FFFF
  } else {
    return {};
  }
  if (s.size() - i < len) {
    return {};
  }
  for (std::size_t k = 1; k < len; ++k) {
    const unsigned char c = byte_at(s, i + k);
    if (k == 1 ? (c < lo || c > hi) : (c & 0xc0u) != 0x80u) {
      return {};
    }
    cp = (cp << 6) | (c & 0x3fu);
  }
  return {cp, len};
}

/// Characters a terminal or a bidi-aware renderer acts on without showing them.
bool is_hidden(char32_t cp) {
  return (cp >= 0x80 && cp <= 0x9f) || cp == 0x061c || cp == 0x200e || cp == 0x200f ||
         cp == 0x2028 || cp == 0x2029 || (cp >= 0x202a && cp <= 0x202e) ||
         (cp >= 0x2066 && cp <= 0x2069);
}

bool is_control(char32_t cp) {
  return cp < 0x20 || cp == 0x7f;
}

void append_hex(std::string& out, std::string_view prefix, char32_t v, int digits) {
  constexpr std::string_view hex = "0123456789abcdef";
  out += prefix;
  for (int shift = (digits - 1) * 4; shift >= 0; shift -= 4) {
    out += hex[(v >> shift) & 0xfu];
  }
}

void escape_into(std::string& out, std::string_view text, bool quoted) {
  for (std::size_t i = 0; i < text.size();) {
    const auto d = decode(text, i);
    if (d.len == 0) {
      append_hex(out, "\\x", byte_at(text, i), 2);
      ++i;
      continue;
    }
    if (is_control(d.cp)) {
      switch (d.cp) {
        case '\n':
          out += "\\n";
          break;
        case '\r':
          out += "\\r";
          break;
        case '\t':
          out += "\\t";
          break;
        default:
          append_hex(out, "\\x", d.cp, 2);
      }
    } else if (is_hidden(d.cp)) {
      append_hex(out, "\\u", d.cp, 4);
    } else if (quoted && (d.cp == '\\' || d.cp == '"')) {
      out += '\\';
      out += static_cast<char>(d.cp);
    } else {
      out.append(text.substr(i, d.len));
    }
    i += d.len;
  }
}

}  // namespace

std::string safe_text(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  escape_into(out, text, false);
  return out;
}

bool is_safe_text(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    const auto d = decode(text, i);
    if (d.len == 0 || is_control(d.cp) || is_hidden(d.cp)) {
      return false;
    }
    i += d.len;
  }
  return true;
}

std::string quote_text(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  out += '"';
  escape_into(out, text, true);
  out += '"';
  return out;
}

std::string harden_json(std::string_view json_text) {
  std::string out;
  out.reserve(json_text.size());
  for (std::size_t i = 0; i < json_text.size();) {
    const auto d = decode(json_text, i);
    if (d.len == 0) {
      out += "\\ufffd";
      ++i;
      continue;
    }
    if (d.cp == 0x7f || is_hidden(d.cp)) {
      append_hex(out, "\\u", d.cp, 4);
    } else {
      out.append(json_text.substr(i, d.len));
    }
    i += d.len;
  }
  return out;
}

}  // namespace refreshd::daemon
