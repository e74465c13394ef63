// POST /v1/collections/{cluster}/{database}/{name}/pause and /resume (docs/HTTP.md "Pause and
// resume"): operator intent, saved before it is answered.
#include <nlohmann/json.hpp>

#include <refreshd/config/safe_text.hpp>
#include <refreshd/http/http_api.hpp>
#include <refreshd/runtime/ownership.hpp>
#include <refreshd/runtime/runtime_log.hpp>
#include <refreshd/schedule/zone.hpp>

namespace refreshd::daemon {
namespace {

using json = nlohmann::json;

/// The reason of a pause request: its body is empty or {"reason": "..."}.
std::variant<std::string, api_response> reason_of(const std::string& body) {
  if (body.find_first_not_of(" \t\r\n") == std::string::npos) {
    return std::string();
  }
  const json doc = json::parse(body, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    return json_error(400, "the body must be empty or a JSON object like {\"reason\":\"...\"}");
  }
  for (const auto& [key, value] : doc.items()) {
    if (key != "reason") {
      return json_error(400, "unknown key in the body (only \"reason\")");
    }
  }
  const auto it = doc.find("reason");
  if (it == doc.end()) {
    return std::string();
  }
  if (!it->is_string()) {
    return json_error(400, "\"reason\" must be a string");
  }
  auto reason = it->get<std::string>();
  if (reason.size() > max_pause_reason) {
    return json_error(400,
                      "\"reason\" is longer than " + std::to_string(max_pause_reason) + " bytes");
  }
  return reason;
}

json pause_json(const pause_record& p) {
  return json{{"paused", true},
              {"reason", p.reason},
              {"at", schedule::format_utc(p.at)},
              {"quarantined", p.quarantined}};
}

}  // namespace

awaitable<api_response> async_pause_request(std::shared_ptr<runtime_view> rt, std::size_t index,
                                            admin_action action, std::string body) {
  const auto& c = rt->collections()[index];
  // Named now: a reload while the save waits may move the collection.
  log_fields f = collection_fields(rt->cluster_config(c.cluster), *c.cfg);
  const auto generation = rt->config_generation();
  // Under a Kubernetes Lease each replica keeps its own state file: only the leader's pause
  // counts (etcd keeps pauses for every replica; docs/OPERATIONS.md).
  if (const auto* co = rt->coordination();
      co != nullptr && !rt->drives(index) && co->status().backend == "kubernetes_lease") {
    auto refused = json_error(503, "another replica drives this collection (coordination): ask it");
    refused.headers.emplace_back("Retry-After", "5");
    co_return refused;
  }
  const std::string what = action == admin_action::pause ? "pause" : "resume";
  std::optional<std::string> error;
  if (action == admin_action::pause) {
    auto reason = reason_of(body);
    if (auto* refused = std::get_if<api_response>(&reason)) {
      co_return std::move(*refused);
    }
    std::string text = std::get<std::string>(std::move(reason));
    error = co_await rt->async_pause(index, std::move(text));
  } else {
    error = co_await rt->async_resume(index);
  }
  if (error) {
    f.add("error", *error);
    log_event(config::log_level::error, "admin: " + what + " not saved", f);
    co_return json_error(500, *error);
  }
  // After a reload meanwhile the index may name another collection: then answer without details.
  const pause_record* p = rt->config_generation() == generation ? rt->pause_of(index) : nullptr;
  log_event(config::log_level::info, "admin: " + what + " request answered", f);
  if (action == admin_action::resume) {
    co_return json_answer(200, dump_json(json{{"paused", false}}));
  }
  co_return json_answer(200, dump_json(p != nullptr ? pause_json(*p) : json{{"paused", true}}));
}

}  // namespace refreshd::daemon
