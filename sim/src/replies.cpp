#include "replies.hpp"

namespace refreshd::sim::detail {

using json = nlohmann::json;

reply json_reply(int status, const json& body, request_record& rec) {
  reply r;
  r.http_status = status;
  r.body = body.dump();
  rec.http_status = status;
  auto code = body.find("code");
  rec.code = code != body.end() && code->is_number_integer() ? code->get<std::int64_t>() : -1;
  return r;
}

reply raw_json_reply(int status, std::string_view body, request_record& rec) {
  reply r;
  r.http_status = status;
  r.body = std::string(body);
  rec.http_status = status;
  rec.code = -1;
  auto doc = json::parse(body, nullptr, false);
  if (doc.is_object() && doc.contains("code") && doc["code"].is_number_integer()) {
    rec.code = doc["code"].get<std::int64_t>();
  }
  return r;
}

reply error_reply(int status, const api_error& err, request_record& rec) {
  return json_reply(status, {{"code", err.code}, {"message", err.message}}, rec);
}

reply gin_not_found(request_record& rec) {
  reply r;
  r.http_status = 404;
  r.content_type = "text/plain";
  r.body = "404 page not found";
  rec.http_status = 404;
  rec.code = -1;
  return r;
}

json job_id_json(std::int64_t id, bool as_string) {
  return as_string ? json(std::to_string(id)) : json(id);
}

json job_json(const job_view& v, bool string_ids) {
  json j = {{"jobId", job_id_json(v.id, string_ids)},
            {"collectionName", v.collection},
            {"state", to_string(v.state)},
            {"progress", v.progress},
            {"externalSource", v.source},
            {"externalSpec", v.spec},
            {"startTime", v.start_ms},
            {"endTime", v.end_ms}};
  if (!v.reason.empty()) {
    j["reason"] = v.reason;
  }
  return j;
}

}  // namespace refreshd::sim::detail
