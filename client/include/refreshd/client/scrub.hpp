#pragma once
// Server text the daemon keeps (job reasons, state text, error messages) is bounded and never
// carries our own secrets (docs/SECURITY.md): the token and the external spec are
// replaced by "***" before the text is cut, so a secret straddling the cap is never half kept.

#include <cstddef>
#include <string>
#include <string_view>

namespace refreshd::client {

/// Longest job reason kept, in bytes, the "…" marker included.
inline constexpr std::size_t max_reason_bytes = 4096;
/// Longest state text kept, in bytes, the marker included (real states are short names).
inline constexpr std::size_t max_state_bytes = 64;
/// Shortest token / external spec treated as a secret: shorter ones would mangle ordinary
/// words and protect nothing.
inline constexpr std::size_t min_token_bytes = 4;
inline constexpr std::size_t min_spec_bytes = 8;

/// Replaces every occurrence of `secret` in `text` by "***" (when secret.size() >= min_length).
void redact(std::string& text, std::string_view secret, std::size_t min_length);

/// For `text` already cut, ending in `marker` (error messages end in " [truncated]"): the first
/// bytes of `secret` right before the marker, the part of a secret the cut left, become "***".
void redact_cut(std::string& text, std::string_view marker, std::string_view secret,
                std::size_t min_length);

/// Cuts `text` to at most `max_bytes` (max_bytes >= 3), on a UTF-8 character boundary, and
/// ends it in "…" when it was cut. Shorter text is left alone.
void cap_text(std::string& text, std::size_t max_bytes);

/// Our secrets, as far as a piece of server text may echo them.
struct secrets {
  std::string_view token;          ///< removed when at least min_token_bytes long
  std::string_view external_spec;  ///< removed when at least min_spec_bytes long
};

/// Redacts both secrets, then caps the text at `max_bytes`.
void scrub(std::string& text, const secrets& s, std::size_t max_bytes);

}  // namespace refreshd::client
