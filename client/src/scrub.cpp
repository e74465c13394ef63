#include <algorithm>
#include <utility>

#include <refreshd/client/scrub.hpp>

namespace refreshd::client {

namespace {

constexpr std::string_view ellipsis = "\xE2\x80\xA6";  // U+2026, 3 bytes in UTF-8

bool is_continuation(char c) {
  return (static_cast<unsigned char>(c) & 0xC0U) == 0x80U;
}

}  // namespace

void redact(std::string& text, std::string_view secret, std::size_t min_length) {
  if (secret.empty() || secret.size() < min_length) {
    return;
  }
  for (auto pos = text.find(secret); pos != std::string::npos; pos = text.find(secret, pos + 3)) {
    text.replace(pos, secret.size(), "***");
  }
}

void redact_cut(std::string& text, std::string_view marker, std::string_view secret,
                std::size_t min_length) {
  if (secret.empty() || secret.size() < min_length || !text.ends_with(marker)) {
    return;
  }
  const std::size_t end = text.size() - marker.size();
  for (std::size_t k = std::min(secret.size() - 1, end); k > 0; --k) {
    if (text.compare(end - k, k, secret, 0, k) == 0) {
      text.replace(end - k, k, "***");
      return;
    }
  }
}

void cap_text(std::string& text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) {
    return;
  }
  std::size_t n = max_bytes >= ellipsis.size() ? max_bytes - ellipsis.size() : 0;
  // Never split a character: back up to the first byte of the one at the cut (at most 3 steps
  // in valid UTF-8; invalid text is cut where the walk stops).
  for (int steps = 0; n > 0 && steps < 3 && is_continuation(text[n]); ++steps) {
    --n;
  }
  std::string cut;  // a fresh, tight allocation: the long original is freed
  cut.reserve(n + ellipsis.size());
  cut.append(text, 0, n).append(ellipsis);
  text = std::move(cut);
}

void scrub(std::string& text, const secrets& s, std::size_t max_bytes) {
  redact(text, s.token, min_token_bytes);
  redact(text, s.external_spec, min_spec_bytes);
  cap_text(text, max_bytes);
}

}  // namespace refreshd::client
