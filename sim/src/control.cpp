#include <charconv>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include <refreshd/sim/control.hpp>

#include "control_parse.hpp"

namespace refreshd::sim {

namespace {

using json = nlohmann::json;

reply control_reply(int status, const json& body) {
  reply r;
  r.http_status = status;
  r.body = body.dump();
  return r;
}

reply bad_request(std::string_view message) {
  return control_reply(400, {{"error", message}});
}

std::size_t query_limit(std::string_view query, std::size_t fallback) {
  const auto pos = query.find("limit=");
  if (pos == std::string_view::npos) {
    return fallback;
  }
  auto v = query.substr(pos + 6);
  v = v.substr(0, v.find('&'));
  std::size_t n = fallback;
  std::from_chars(v.data(), v.data() + v.size(), n);
  return n;
}

reply post(simulator& sim, std::string_view path, std::string_view body) {
  if (path == "reset") {
    sim.reset();
    return control_reply(200, {{"ok", true}});
  }
  if (path == "collections") {
    const auto doc = detail::parse_json(body.empty() ? std::string_view("{}") : body, "body");
    const auto items = doc.is_array() ? doc : json::array({doc});
    std::vector<collection_spec> specs;
    specs.reserve(items.size());
    for (const auto& item : items) {
      specs.push_back(detail::collection_from_json(item));
    }
    for (auto& s : specs) {
      sim.add_collection(std::move(s));
    }
    return control_reply(200, {{"ok", true}, {"collections", sim.state().collection_count()}});
  }
  if (path == "config") {
    sim.set_config(patch_config(sim.config(), body.empty() ? std::string_view("{}") : body));
    return control_reply(200, json::parse(config_json(sim.config())));
  }
  return control_reply(404, {{"error", "unknown control path /_sim/" + std::string(path)}});
}

}  // namespace

reply handle_control(simulator& sim, std::string_view method, std::string_view target,
                     std::string_view body) {
  const auto qpos = target.find('?');
  const auto query = qpos == std::string_view::npos ? std::string_view() : target.substr(qpos + 1);
  auto path = target.substr(0, qpos);
  path.remove_prefix(std::min(path.size(), std::string_view("/_sim/").size()));
  try {
    if (method == "POST") {
      return post(sim, path, body);
    }
    if (method == "GET" && path == "stats") {
      reply r;
      r.body = sim.stats_json();
      return r;
    }
    if (method == "GET" && path == "config") {
      reply r;
      r.body = config_json(sim.config());
      return r;
    }
    if (method == "GET" && path == "requests") {
      reply r;
      r.body = sim.requests_json(query_limit(query, 100));
      return r;
    }
    return control_reply(404, {{"error", "unknown control endpoint " + std::string(method) +
                                             " /_sim/" + std::string(path)}});
  } catch (const std::invalid_argument& e) {
    return bad_request(e.what());
  }
}

sim_config patch_config(sim_config cfg, std::string_view json_text) {
  detail::patch_config_json(cfg, detail::parse_json(json_text, "config"));
  return cfg;
}

collection_spec parse_collection(std::string_view json_text) {
  return detail::collection_from_json(detail::parse_json(json_text, "collection"));
}

std::string config_json(const sim_config& cfg) {
  return detail::config_to_json(cfg).dump();
}

void apply_scenario(simulator& sim, std::string_view json_text) {
  const auto doc = detail::parse_json(json_text, "scenario");
  if (!doc.is_object()) {
    throw std::invalid_argument("scenario: expected a JSON object");
  }
  std::vector<collection_spec> specs;
  sim_config cfg = sim.config();
  for (const auto& [key, value] : doc.items()) {
    if (key == "config") {
      detail::patch_config_json(cfg, value);
    } else if (key == "collections") {
      if (!value.is_array()) {
        throw std::invalid_argument("scenario.collections: expected an array");
      }
      for (std::size_t i = 0; i < value.size(); ++i) {
        try {
          specs.push_back(detail::collection_from_json(value[i]));
        } catch (const std::invalid_argument& e) {
          throw std::invalid_argument("scenario.collections[" + std::to_string(i) +
                                      "]: " + e.what());
        }
      }
    } else {
      throw std::invalid_argument("scenario: unknown key \"" + key +
                                  "\" (expected config, collections)");
    }
  }
  sim.set_config(cfg);
  for (auto& s : specs) {
    sim.add_collection(std::move(s));
  }
}

}  // namespace refreshd::sim
