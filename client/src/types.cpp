#include <array>
#include <cctype>
#include <string>

#include <refreshd/client/types.hpp>

namespace refreshd::client {

std::string_view to_string(job_state s) noexcept {
  switch (s) {
    case job_state::pending:
      return "RefreshPending";
    case job_state::in_progress:
      return "RefreshInProgress";
    case job_state::completed:
      return "RefreshCompleted";
    case job_state::failed:
      return "RefreshFailed";
    case job_state::unknown:
      break;
  }
  return "RefreshUnknown";
}

namespace {

struct state_spelling {
  std::string_view name;
  job_state state;
};

// Spellings after lower-casing, dropping '_', '-', ' ' and an optional "refresh" prefix.
// "init" and "retry" are DataCoord's internal names, shown by some tools (contract §4).
constexpr std::array<state_spelling, 13> state_spellings{{
    {"pending", job_state::pending},
    {"init", job_state::pending},
    {"inprogress", job_state::in_progress},
    {"running", job_state::in_progress},
    {"retry", job_state::in_progress},
    {"completed", job_state::completed},
    {"complete", job_state::completed},
    {"succeeded", job_state::completed},
    {"success", job_state::completed},
    {"finished", job_state::completed},
    {"failed", job_state::failed},
    {"fail", job_state::failed},
    {"failure", job_state::failed},
}};

}  // namespace

job_state parse_job_state(std::string_view text) noexcept {
  // State names are short; anything long is unknown without allocating.
  std::array<char, 32> buf{};
  std::size_t n = 0;
  for (char c : text) {
    if (c == '_' || c == '-' || c == ' ' || c == '\t') {
      continue;
    }
    if (n == buf.size()) {
      return job_state::unknown;
    }
    buf[n++] = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  std::string_view key(buf.data(), n);
  constexpr std::string_view prefix = "refresh";
  if (key.size() > prefix.size() && key.substr(0, prefix.size()) == prefix) {
    key.remove_prefix(prefix.size());
  }
  for (const auto& s : state_spellings) {
    if (s.name == key) {
      return s.state;
    }
  }
  return job_state::unknown;
}

std::string_view to_string(operation op) noexcept {
  switch (op) {
    case operation::refresh:
      return "refresh";
    case operation::describe:
      return "describe";
    case operation::list:
      return "list";
    case operation::index_list:
      return "index_list";
    case operation::index_describe:
      return "index_describe";
    case operation::load_state:
      return "load_state";
  }
  return "unknown";
}

std::string_view to_string(error_class c) noexcept {
  switch (c) {
    case error_class::transient:
      return "transient";
    case error_class::rate_limited:
      return "rate_limited";
    case error_class::unauthenticated:
      return "unauthenticated";
    case error_class::unsupported:
      return "unsupported";
    case error_class::not_found:
      return "not_found";
    case error_class::no_source:
      return "no_source";
    case error_class::duplicate:
      return "duplicate";
    case error_class::job_not_found:
      return "job_not_found";
    case error_class::invalid:
      return "invalid";
    case error_class::bad_response:
      return "bad_response";
  }
  return "unknown";
}

bool is_retryable(const api_error& e) noexcept {
  return e.kind == error_class::transient || e.kind == error_class::rate_limited ||
         e.kind == error_class::bad_response;
}

std::string describe_error(const api_error& e) {
  std::string out(to_string(e.kind));
  out += ':';
  if (e.http_status != 0) {
    out += " HTTP ";
    out += std::to_string(e.http_status);
  }
  if (e.code != 0) {
    out += " code ";
    out += std::to_string(e.code);
  }
  if (!e.message.empty()) {
    out += (e.http_status != 0 || e.code != 0) ? ": " : " ";
    out += e.message;
  }
  if (e.maybe_sent) {
    out += " (the request may have reached the server)";
  }
  return out;
}

}  // namespace refreshd::client
