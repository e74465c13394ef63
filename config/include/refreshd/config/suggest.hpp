#pragma once
// Private: "did you mean" suggestions for misspelled keys.

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace refreshd::config::detail {

/// Optimal string alignment distance (Levenshtein plus adjacent transpositions).
std::size_t edit_distance(std::string_view a, std::string_view b);

/// The candidate closest to `word`, if close enough to be a plausible misspelling: equal after
/// lower-casing both and mapping '-' to '_', or within 1 edit for words up to 4 characters, 2 up to
/// 8, 3 beyond. Ties go to the earlier candidate.
std::optional<std::string> closest_match(std::string_view word,
                                         std::span<const std::string_view> candidates);

}  // namespace refreshd::config::detail
