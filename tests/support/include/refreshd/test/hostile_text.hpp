#pragma once
// The hostile-string corpus of docs/SECURITY.md and a checker for what must never reach a terminal,
// a log line or a page: C0 controls, DEL, C1 controls (raw bytes and U+0080..U+009F), bidi and
// direction marks, and invalid UTF-8. Written independently of the daemon's sanitizer, so the
// two check each other.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace refreshd::test {

/// A string literal with its embedded NULs (the array's length, not strlen).
template <std::size_t N>
constexpr std::string_view literal(const char (&s)[N]) {
  return {s, N - 1};
}

/// Every hostile shape in one string (a server's collection name, state or reason).
inline constexpr std::string_view hostile_text = literal(
    "osc52=\x1b]52;c;ZWNobyBwd25lZA==\x07 "                        // clipboard write
    "osc8=\x1b]8;;http://evil.example/\x1b\\click\x1b]8;;\x1b\\ "  // hyperlink
    "c1raw=\x9b"
    "31m "
    "c1utf8=\xc2\x9b"
    "31m "
    "clear=\x1b[2J\x1b[H "
    "bell=\x07 "
    "crlf=\r\nINJECTED level=error \r"
    "nul=\0! "
    "overlong=\xc0\xaf "
    "lone=\xff "
    "truncated=\xe2\x82 "
    "surrogate=\xed\xa0\x80 "
    "bidi=\xe2\x80\xae"
    "exe.txt\xe2\x80\xac \xe2\x81\xa6iso\xe2\x81\xa9 \xe2\x80\x8f "
    "html=</script><script>alert(1)</script> "
    "quotes=\" \\ ' & "
    "del=\x7f "
    "fine=caf\xc3\xa9 \xe6\x9d\xb1\xe4\xba\xac \xf0\x9f\x98\x80");

/// Ordinary UTF-8 of the corpus that must come out unchanged.
inline constexpr std::string_view benign_text =
    "caf\xc3\xa9 \xe6\x9d\xb1\xe4\xba\xac \xf0\x9f\x98\x80";

/// The first forbidden thing in `out` and its byte offset, or nullopt. `newlines`: '\n' is
/// part of the sink's own structure (multi-line output) and allowed.
inline std::optional<std::string> first_unsafe(std::string_view out, bool newlines = true) {
  auto at = [](std::size_t i, const char* what) {
    return std::string(what) + " at byte " + std::to_string(i);
  };
  std::size_t i = 0;
  while (i < out.size()) {
    const auto b = static_cast<unsigned char>(out[i]);
    if (b < 0x80) {
      if ((b < 0x20 && !(newlines && b == '\n')) || b == 0x7f) {
        return at(i, "a C0 control or DEL");
      }
      ++i;
      continue;
    }
    std::size_t len = 0;
    char32_t cp = 0;
    char32_t min = 0;
    if (b >= 0xc2 && b <= 0xdf) {
      len = 2;
      cp = b & 0x1fu;
      min = 0x80;
    } else if (b >= 0xe0 && b <= 0xef) {
      len = 3;
      cp = b & 0x0fu;
      min = 0x800;
    } else if (b >= 0xf0 && b <= 0xf4) {
      len = 4;
      cp = b & 0x07u;
      min = 0x10000;
    } else {
      return at(i, "invalid UTF-8 (bad lead byte)");
    }
    if (i + len > out.size()) {
      return at(i, "invalid UTF-8 (truncated)");
    }
    for (std::size_t k = 1; k < len; ++k) {
      const auto c = static_cast<unsigned char>(out[i + k]);
      if ((c & 0xc0) != 0x80) {
        return at(i, "invalid UTF-8 (truncated)");
      }
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
      return at(i, "invalid UTF-8 (overlong, surrogate or out of range)");
    }
    if (cp >= 0x80 && cp <= 0x9f) {
      return at(i, "a C1 control");
    }
    if ((cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200e ||
        cp == 0x200f || cp == 0x061c) {
      return at(i, "a bidi control");
    }
    i += len;
  }
  return std::nullopt;
}

}  // namespace refreshd::test
