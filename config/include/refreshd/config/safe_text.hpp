#pragma once
// Strings from a server (collection names, states, reasons, error messages) made safe for the
// places they are shown (docs/SECURITY.md): a terminal, a text log line, a web page,
// a Prometheus label, a JSON text. Pure functions, no allocation beyond the result.
//
// Escape syntax (visible, and reversible in quote_text):
//   \n \r \t          line feed, carriage return, tab
//   \xHH              any other C0 control and DEL (\x1b, \x00, \x7f), and every byte that is
//                     not part of well-formed UTF-8 (overlong forms, surrogates, code points
//                     above U+10FFFF, truncated sequences, stray continuation bytes: \xc0\xaf)
//   \uHHHH            C1 controls U+0080..U+009F (\u009b is CSI), the bidi and direction
//                     controls U+061C, U+200E, U+200F, U+202A..U+202E, U+2066..U+2069, and the
//                     line/paragraph separators U+2028, U+2029
// Everything else (printable ASCII, accents, CJK, emoji, joiners) passes unchanged.

#include <string>
#include <string_view>

namespace refreshd::daemon {

/// `text` with the characters above replaced by their escapes. A backslash stays as it is, so
/// the result is for reading (terminal, page, label), not for parsing back.
std::string safe_text(std::string_view text);

/// True when safe_text(text) would return `text` unchanged.
bool is_safe_text(std::string_view text);

/// `text` as one double-quoted token of a text log line: '"', safe_text's escapes plus \\ and
/// \" for a backslash and a quote, '"'. Unambiguous: a literal backslash never starts an escape.
std::string quote_text(std::string_view text);

/// A JSON text in UTF-8 with C1, bidi and separator characters and DEL written as \uHHHH
/// escapes: the same JSON value, but nothing a terminal acts on when it is printed. JSON
/// encoders already escape C0 controls. A byte that is not well-formed UTF-8 (only possible
/// inside a string) becomes \ufffd.
std::string harden_json(std::string_view json_text);

/// j.dump() for any nlohmann::basic_json: compact, invalid UTF-8 replaced by U+FFFD instead of
/// throwing, then harden_json.
template <class Json>
std::string dump_json(const Json& j) {
  return harden_json(j.dump(-1, ' ', false, Json::error_handler_t::replace));
}

}  // namespace refreshd::daemon
