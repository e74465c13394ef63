#include <algorithm>
#include <cctype>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include <refreshd/client/wire.hpp>

#include "wire_detail.hpp"

namespace refreshd::client::wire {

namespace {

using json = nlohmann::json;
using detail::max_message_bytes;
using detail::max_nesting;

/// True when brackets nest deeper than `max_nesting` (outside strings). Checked before parsing
/// so no recursive walk (dump, destruction, our readers) ever meets a hostile depth.
bool too_deep(std::string_view body) {
  int depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (char c : body) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > max_nesting) {
        return true;
      }
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return false;
}

bool contains_any(std::string_view text, std::initializer_list<std::string_view> needles) {
  return std::any_of(needles.begin(), needles.end(),
                     [&](std::string_view n) { return text.find(n) != std::string_view::npos; });
}

bool is_one_of(std::int64_t code, std::initializer_list<std::int64_t> codes) {
  return std::find(codes.begin(), codes.end(), code) != codes.end();
}

// Phrases meaning "the named thing does not exist"; checked before the duplicate phrases,
// which include the bare word "exist".
const std::initializer_list<std::string_view> absent_phrases = {
    "not found", "not exist", "n't exist", "nonexist", "non-exist", "no longer exist", "no such "};

/// Classification of a JSON error code + message (docs/CYCLE.md; contract §3, §5). `lower` is the
/// message in lower case.
error_class classify_code(operation op, std::int64_t code, std::string_view lower) {
  if (is_one_of(code, {1800, 1401}) ||
      contains_any(lower, {"hasn't authenticated", "privilege not permitted"})) {
    return error_class::unauthenticated;
  }
  if (is_one_of(code, {1807, 8, 4}) ||
      contains_any(lower, {"rejected by limiter", "rate limit exceeded"})) {
    return error_class::rate_limited;
  }
  if (is_one_of(code, {1, 2, 10001, 500})) {
    return error_class::transient;
  }
  if (contains_any(lower, {"no persisted external"})) {
    return error_class::no_source;
  }
  if (is_one_of(code, {100, 800}) ||
      contains_any(lower,
                   {"not an external collection", "collection not found", "database not found"})) {
    return error_class::not_found;
  }
  const bool absent = contains_any(lower, absent_phrases);
  if (op == operation::describe && absent) {
    return error_class::job_not_found;
  }
  if (absent) {
    return error_class::not_found;
  }
  if (op == operation::refresh &&
      (code == 703 ||
       contains_any(lower, {"in progress", "already", "duplicate", "precondition", "exist"}))) {
    return error_class::duplicate;
  }
  // 65535 is Milvus' code for an error outside its catalogue (often an RPC failure).
  return code == 65535 ? error_class::transient : error_class::invalid;
}

error_class classify_kind(operation op, int http_status, std::int64_t code,
                          std::string_view lower) {
  if (http_status == 200) {
    return classify_code(op, code, lower);
  }
  if (http_status == 404) {
    return error_class::unsupported;
  }
  if (http_status == 401 || http_status == 403) {
    return error_class::unauthenticated;
  }
  if (http_status == 429) {
    return error_class::rate_limited;
  }
  if (http_status == 408 || (http_status >= 500 && http_status <= 599)) {
    return error_class::transient;
  }
  if (code != 0) {
    return classify_code(op, code, lower);  // another status that carries a Milvus envelope
  }
  // 3xx/4xx: the request or the endpoint is wrong; 1xx, other 2xx, >= 600: a confused proxy.
  return (http_status >= 300 && http_status <= 499) ? error_class::invalid : error_class::transient;
}

std::string default_message(int http_status, std::int64_t code) {
  switch (http_status) {
    case 401:
      return "the server did not accept the credentials (HTTP 401)";
    case 403:
      return "the credentials lack a privilege for this request (HTTP 403)";
    case 408:
      return "the server timed the request out (HTTP 408)";
    case 429:
      return "the server is rate limiting requests (HTTP 429)";
    case 200:
      return "error code " + std::to_string(code) + " without a message";
    default:
      break;
  }
  if (http_status >= 500 && http_status <= 599) {
    return "server error (HTTP " + std::to_string(http_status) + ")";
  }
  return "unexpected HTTP " + std::to_string(http_status) + " answer";
}

/// Keeps at most max_message_bytes, cutting on a UTF-8 character boundary.
std::string capped(std::string_view message) {
  if (message.size() <= max_message_bytes) {
    return std::string(message);
  }
  std::size_t n = max_message_bytes;
  while (n > 0 && (static_cast<unsigned char>(message[n]) & 0xC0U) == 0x80U) {
    --n;
  }
  return std::string(message.substr(0, n)) + " [truncated]";
}

}  // namespace

namespace detail {

std::variant<json, std::string> parse_json(std::string_view body, record_sink* records) {
  if (body.empty()) {
    return std::string("empty response body");
  }
  if (too_deep(body)) {
    return "the response nests deeper than " + std::to_string(max_nesting) + " levels";
  }
  json doc;
  if (!parse_pruned(body, doc, records)) {
    return std::string("the response is not valid JSON (malformed or truncated)");
  }
  return doc;
}

std::variant<json, std::string> parse_plain_json(std::string_view body, std::size_t max_bytes) {
  if (body.empty()) {
    return std::string("empty response body");
  }
  if (body.size() > max_bytes) {
    return "the response is larger than " + std::to_string(max_bytes) + " bytes";
  }
  if (too_deep(body)) {
    return "the response nests deeper than " + std::to_string(max_nesting) + " levels";
  }
  json doc = json::parse(body, nullptr, false);
  if (doc.is_discarded()) {
    return std::string("the response is not valid JSON (malformed or truncated)");
  }
  return doc;
}

// Bodies that are not a Milvus envelope (HTML error pages) are never copied into messages:
// a proxy may echo the request, and the request can carry a secret external spec.
api_error error_from_status(operation op, int http_status, std::string_view body) {
  if (http_status == 404) {
    const bool servability = op == operation::index_list || op == operation::index_describe ||
                             op == operation::load_state;
    return classify(op, http_status, 0,
                    servability ? "the cluster does not answer " + std::string(path_for(op)) +
                                      " (HTTP 404): ready_when degrades to completed"
                                : std::string("the cluster does not support the refresh-job API "
                                              "(HTTP 404): upgrade the cluster"));
  }
  std::int64_t code = 0;
  std::string message;
  auto doc = parse_json(body);
  if (auto* root = std::get_if<json>(&doc); root != nullptr && root->is_object()) {
    if (auto c = root->find("code"); c != root->end() && c->is_number_integer()) {
      // Positive numbers parse as unsigned; one above INT64_MAX is no Milvus code.
      const bool fits = !c->is_number_unsigned() ||
                        c->get<std::uint64_t>() <= static_cast<std::uint64_t>(INT64_MAX);
      code = fits ? c->get<std::int64_t>() : 0;
    }
    if (auto m = root->find("message"); m != root->end() && m->is_string()) {
      message = m->get<std::string>();
    }
  }
  return classify(op, http_status, code, message);
}

}  // namespace detail

api_error classify(operation op, int http_status, std::int64_t code, std::string_view message) {
  std::string lower(message.substr(0, std::min(message.size(), max_message_bytes)));
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  api_error e;
  e.kind = classify_kind(op, http_status, code, lower);
  e.http_status = http_status;
  e.code = code;
  e.message = message.empty() ? default_message(http_status, code) : capped(message);
  // A refresh that timed out or hit a server error may have started a job (contract §6.2):
  // the caller must list before re-sending. "Not ready" (1, 2) was refused up front.
  e.maybe_sent = op == operation::refresh && e.kind == error_class::transient &&
                 !(http_status == 200 && (code == 1 || code == 2));
  return e;
}

}  // namespace refreshd::client::wire
