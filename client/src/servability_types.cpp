// Index and load states of the servability endpoints (api §12), read leniently: spellings vary
// by server version.
#include <array>
#include <cctype>

#include <refreshd/client/types.hpp>

namespace refreshd::client {
namespace {

// Lower-cased, without '_', '-', ' ' and the given prefix ("indexstate", "loadstate"); empty
// when the text is too long to be a state name.
std::string_view state_key(std::string_view text, std::string_view prefix,
                           std::array<char, 40>& buf) {
  std::size_t n = 0;
  for (const char c : text) {
    if (c == '_' || c == '-' || c == ' ' || c == '\t') {
      continue;
    }
    if (n == buf.size()) {
      return {};
    }
    buf[n++] = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  std::string_view key(buf.data(), n);
  if (key.size() > prefix.size() && key.substr(0, prefix.size()) == prefix) {
    key.remove_prefix(prefix.size());
  }
  return key;
}

}  // namespace

index_state parse_index_state(std::string_view text) noexcept {
  std::array<char, 40> buf{};
  const std::string_view k = state_key(text, "indexstate", buf);
  if (k == "none") {
    return index_state::none;
  }
  if (k == "unissued") {
    return index_state::unissued;
  }
  if (k == "inprogress") {
    return index_state::in_progress;
  }
  if (k == "finished") {
    return index_state::finished;
  }
  if (k == "failed") {
    return index_state::failed;
  }
  if (k == "retry") {
    return index_state::retry;
  }
  return index_state::unknown;
}

std::string_view to_string(index_state s) noexcept {
  switch (s) {
    case index_state::none:
      return "None";
    case index_state::unissued:
      return "Unissued";
    case index_state::in_progress:
      return "InProgress";
    case index_state::finished:
      return "Finished";
    case index_state::failed:
      return "Failed";
    case index_state::retry:
      return "Retry";
    case index_state::unknown:
      break;
  }
  return "Unknown";
}

load_state parse_load_state(std::string_view text) noexcept {
  std::array<char, 40> buf{};
  const std::string_view k = state_key(text, "loadstate", buf);
  if (k == "notexist") {
    return load_state::not_exist;
  }
  if (k == "notload") {
    return load_state::not_load;
  }
  if (k == "loading") {
    return load_state::loading;
  }
  if (k == "loaded") {
    return load_state::loaded;
  }
  return load_state::unknown;
}

std::string_view to_string(load_state s) noexcept {
  switch (s) {
    case load_state::not_exist:
      return "LoadStateNotExist";
    case load_state::not_load:
      return "LoadStateNotLoad";
    case load_state::loading:
      return "LoadStateLoading";
    case load_state::loaded:
      return "LoadStateLoaded";
    case load_state::unknown:
      break;
  }
  return "LoadStateUnknown";
}

}  // namespace refreshd::client
