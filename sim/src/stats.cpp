#include <nlohmann/json.hpp>

#include <refreshd/sim/simulator.hpp>

namespace refreshd::sim {

using json = nlohmann::json;

std::string simulator::stats_json() const {
  const auto& m = model_.stats();
  json per = json::object();
  model_.for_each_collection_stats([&per](const std::string& key, const collection_stats& s) {
    per[key] = {{"triggers", s.triggers},
                {"overlapping_triggers", s.overlapping_triggers},
                {"informed_overlapping_triggers", s.informed_overlapping_triggers}};
  });
  const auto& t = traffic_;
  json doc = {{"requests",
               {{"refresh", t.requests[0]},
                {"describe", t.requests[1]},
                {"list", t.requests[2]},
                {"index_list", t.requests[3]},
                {"index_describe", t.requests[4]},
                {"load_state", t.requests[5]}}},
              {"triggers", m.triggers},
              {"jobs_created", m.jobs_created},
              {"overlapping_triggers", m.overlapping_triggers},
              {"informed_overlapping_triggers", m.informed_overlapping_triggers},
              {"per_collection", std::move(per)},
              {"rate_limited", t.rate_limited},
              {"unauthorized", t.unauthorized},
              {"faults",
               {{"http_500", t.http_500},
                {"resets", t.resets},
                {"malformed", t.malformed},
                {"oversized", t.oversized},
                {"timeouts", t.timeouts}}},
              {"collections", model_.collection_count()},
              {"jobs", model_.job_count()}};
  return doc.dump();
}

std::string simulator::requests_json(std::size_t limit) const {
  json out = json::array();
  const auto n = std::min(limit, log_.size());
  for (auto it = log_.end() - static_cast<std::ptrdiff_t>(n); it != log_.end(); ++it) {
    out.push_back({{"time_ms", it->time_ms},
                   {"endpoint", to_string(it->op)},
                   {"database", it->database},
                   {"collection", it->collection},
                   {"job_id", it->job_id},
                   {"http_status", it->http_status},
                   {"code", it->code},
                   {"fault", to_string(it->fault)},
                   {"authorized", it->authorized}});
  }
  return json{{"requests", std::move(out)}}.dump();
}

}  // namespace refreshd::sim
