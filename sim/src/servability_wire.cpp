// The three servability endpoints on the wire (contract §12; sim/README.md "Servability
// endpoints"): indexes/list, indexes/describe, collections/get_load_state.
#include <nlohmann/json.hpp>

#include <refreshd/sim/simulator.hpp>

#include "binding.hpp"
#include "replies.hpp"

namespace refreshd::sim {

namespace {

using json = nlohmann::json;

// Unique names: unity builds merge the anonymous namespaces of the target.
json servability_index_json(const std::string& name, const index_progress& p) {
  return {{"indexName", name},
          {"fieldName", name},
          {"indexType", "AUTOINDEX"},
          {"metricType", "COSINE"},
          {"indexState", to_string(p.state)},
          {"totalRows", p.total_rows},
          {"indexedRows", p.indexed_rows},
          {"pendingRows", p.pending_rows},
          {"failReason", p.fail_reason}};
}

json servability_load_json(const load_progress& p) {
  json data = {{"loadState", to_string(p.state)}};
  if (p.progress) {
    data["loadProgress"] = *p.progress;
  }
  return data;
}

}  // namespace

reply simulator::servability(endpoint op, const bound& req, const std::string& db, std::int64_t now,
                             request_record& rec) {
  if (op == endpoint::index_list) {
    auto r = model_.list_indexes(db, req.collection);
    if (auto* err = std::get_if<api_error>(&r)) {
      return detail::error_reply(200, *err, rec);
    }
    json names = json::array();
    for (const auto& n : std::get<std::vector<std::string>>(r)) {
      names.push_back(n);
    }
    return detail::json_reply(200, {{"code", 0}, {"data", std::move(names)}}, rec);
  }
  if (op == endpoint::index_describe) {
    auto r = model_.describe_index(db, req.collection, req.index, now);
    if (auto* err = std::get_if<api_error>(&r)) {
      return detail::error_reply(200, *err, rec);
    }
    json infos = json::array();
    infos.push_back(servability_index_json(req.index, std::get<index_progress>(r)));
    return detail::json_reply(200, {{"code", 0}, {"data", std::move(infos)}}, rec);
  }
  auto r = model_.get_load_state(db, req.collection, now);
  if (auto* err = std::get_if<api_error>(&r)) {
    return detail::error_reply(200, *err, rec);
  }
  return detail::json_reply(
      200, {{"code", 0}, {"data", servability_load_json(std::get<load_progress>(r))}}, rec);
}

}  // namespace refreshd::sim
