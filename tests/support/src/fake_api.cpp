#include <refreshd/test/fake_api.hpp>

namespace refreshd::test {

client::job_info make_job(std::int64_t id, std::string collection, client::job_state state,
                          int progress, std::optional<std::string> reason) {
  client::job_info j;
  j.id = client::job_id{id, false};
  j.collection_name = std::move(collection);
  j.state = state;
  j.state_text = std::string(client::to_string(state));
  j.progress = progress;
  j.external_source = "s3://bucket/" + j.collection_name + "/";
  j.start_time_ms = 1'795'000'000'000;
  j.end_time_ms = client::is_terminal(state) ? j.start_time_ms + 12'345 : 0;
  j.reason = std::move(reason);
  return j;
}

client::api_error make_error(client::error_class kind, std::string message, std::int64_t code,
                             int http_status) {
  client::api_error e;
  e.kind = kind;
  e.message = std::move(message);
  e.code = code;
  e.http_status = http_status;
  return e;
}

}  // namespace refreshd::test
