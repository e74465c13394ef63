#pragma once
// "Did you mean" suggestions: for misspelled config keys (private to config/), and, with
// nearest_names, for the names the CLI is given (docs/CLI.md "Context").

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace refreshd::config::detail {

/// Optimal string alignment distance (Levenshtein plus adjacent transpositions).
std::size_t edit_distance(std::string_view a, std::string_view b);

/// The candidate closest to `word`, if close enough to be a plausible misspelling: equal after
/// lower-casing both and mapping '-' to '_', or within 1 edit for words up to 4 characters, 2 up to
/// 8, 3 beyond. Ties go to the earlier candidate.
std::optional<std::string> closest_match(std::string_view word,
                                         std::span<const std::string_view> candidates);

}  // namespace refreshd::config::detail

namespace refreshd::config {

/// Up to `max` of `candidates` that `word` plausibly means, closest first (ties in candidate
/// order), without duplicates: the misspellings closest_match accepts, and the names that
/// contain `word` or are contained in it, ignoring case (`books` → `ext_books`).
std::vector<std::string> nearest_names(std::string_view word,
                                       std::span<const std::string_view> candidates,
                                       std::size_t max = 3);

}  // namespace refreshd::config
