#include <algorithm>
#include <vector>

#include <refreshd/config/suggest.hpp>

namespace refreshd::config::detail {
namespace {

std::string normalize(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    } else if (c == '-' || c == ' ') {
      c = '_';
    }
  }
  return out;
}

std::size_t threshold(std::size_t length) noexcept {
  if (length <= 4) {
    return 1;
  }
  return length <= 8 ? 2 : 3;
}

}  // namespace

std::size_t edit_distance(std::string_view a, std::string_view b) {
  const std::size_t n = a.size();
  const std::size_t m = b.size();
  // Three rows: i-2, i-1 and i (for the transposition case).
  std::vector<std::size_t> prev2(m + 1), prev(m + 1), cur(m + 1);
  for (std::size_t j = 0; j <= m; ++j) {
    prev[j] = j;
  }
  for (std::size_t i = 1; i <= n; ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= m; ++j) {
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        cur[j] = std::min(cur[j], prev2[j - 2] + 1);
      }
    }
    std::swap(prev2, prev);
    std::swap(prev, cur);
  }
  return prev[m];
}

std::optional<std::string> closest_match(std::string_view word,
                                         std::span<const std::string_view> candidates) {
  if (word.size() > 64) {
    return std::nullopt;
  }
  const std::string w = normalize(word);
  std::optional<std::string> best;
  std::size_t best_distance = threshold(w.size()) + 1;
  for (std::string_view c : candidates) {
    const std::size_t d = edit_distance(w, normalize(c));
    if (d < best_distance) {
      best_distance = d;
      best = std::string(c);
    }
  }
  return best;
}

}  // namespace refreshd::config::detail

namespace refreshd::config {

std::vector<std::string> nearest_names(std::string_view word,
                                       std::span<const std::string_view> candidates,
                                       std::size_t max) {
  std::vector<std::pair<std::size_t, std::string_view>> found;  // (distance, name)
  if (word.empty() || word.size() > 255) {
    return {};
  }
  const std::string w = detail::normalize(word);
  const std::size_t limit = detail::threshold(w.size());
  for (std::string_view c : candidates) {
    const std::string n = detail::normalize(c);
    const std::size_t d = detail::edit_distance(w, n);
    const bool contained = n.find(w) != std::string::npos || w.find(n) != std::string::npos;
    const bool seen =
        std::any_of(found.begin(), found.end(), [&](const auto& f) { return f.second == c; });
    if ((d <= limit || contained) && !seen) {
      found.emplace_back(d, c);
    }
  }
  std::stable_sort(found.begin(), found.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::string> out;
  for (std::size_t i = 0; i < found.size() && i < max; ++i) {
    out.emplace_back(found[i].second);
  }
  return out;
}

}  // namespace refreshd::config
