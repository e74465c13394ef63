// Hostile strings from a server (docs/SECURITY.md): one corpus (OSC 52 / OSC 8, CSI
// as a raw C1 byte and as U+009B, ESC [2J, bell, CR/LF injection, NUL, invalid UTF-8, bidi
// overrides, markup, quotes) fed through every sink: the status page, /status JSON, a
// Prometheus label in a scrape, the text log, the json log and the CLI's terminal and JSON
// output. No raw control, C1 or bidi character and no invalid UTF-8 may come out, JSON must
// parse, HTML must hold no live markup, and ordinary UTF-8 passes unchanged.
#include <algorithm>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <refreshd/cli/api_commands.hpp>
#include <refreshd/cli/job_output.hpp>
#include <refreshd/cycle/slot_plan.hpp>
#include <refreshd/daemon/runtime_metrics.hpp>
#include <refreshd/http/http_api.hpp>
#include <refreshd/http/status_render.hpp>
#include <refreshd/log/logging.hpp>
#include <refreshd/test/hostile_text.hpp>

namespace refreshd::daemon {
namespace {

using json = nlohmann::json;
using test::benign_text;
using test::first_unsafe;
using namespace std::chrono_literals;

const std::string hostile(test::hostile_text);
const wall_time t10{std::chrono::milliseconds(1'795'341'600'000)};  // 2026-11-22T10:00:00Z

/// No forbidden byte anywhere, and no line of the output starts with the injected text.
void expect_safe(const std::string& out, bool newlines = true) {
  const auto bad = first_unsafe(out, newlines);
  EXPECT_FALSE(bad) << *bad << " in:\n" << out;
  EXPECT_EQ(out.find("\nINJECTED"), std::string::npos) << "a line was injected:\n" << out;
}

/// Strings of a JSON document still carry the server's text (markup and bidi as data).
void expect_json_keeps_data(const json& j, const std::string& key) {
  ASSERT_TRUE(j.contains(key)) << j.dump();
  const auto s = j[key].get<std::string>();
  EXPECT_NE(s.find("</script><script>"), std::string::npos) << s;
  EXPECT_NE(s.find("\xe2\x80\xae"), std::string::npos) << "U+202E as data";
  EXPECT_NE(s.find(benign_text), std::string::npos) << s;
}

client::job_info hostile_job() {
  client::job_info j;
  j.id.value = 449503829274509311;
  j.collection_name = hostile;
  j.state = client::job_state::unknown;
  j.state_text = hostile;
  j.progress = 42;
  j.external_source = hostile;
  j.start_time_ms = 1'795'341'600'000;
  j.end_time_ms = 1'795'341'660'000;
  j.reason = hostile;
  return j;
}

class HostileStrings : public ::testing::Test {
 protected:
  void SetUp() override {
    cluster_.name = hostile;
    collection_.name = hostile;
    collection_.database = hostile;
    collection_.settings.edit().schedule = "every 1h";
    job_snapshot job;
    job.id.value = 449503829274509311;
    job.state = client::job_state::unknown;
    job.state_text = hostile;
    job.progress = 42;
    job.reason = hostile;
    state_.job = job;
    state_.current = status::failing;
    state_.message = hostile;
    state_.last_failure = t10;
    state_.last_failure_reason = hostile;
    state_.consecutive_failures = 1;
  }
  status_view view() {
    status_view v;
    v.version = "1.2.3";
    v.ready = true;
    v.now = t10;
    v.rows.push_back(status_row{&cluster_, &collection_, &state_, false});
    return v;
  }
  /// Logs the corpus as message, fields and a plain spdlog call through the line formatter.
  std::string log_lines(config::log_format format) {
    logging_options o;
    o.format = format;
    std::ostringstream out;
    auto previous = spdlog::default_logger();
    setup_logging(o, out);
    log_fields f;
    f.cluster = hostile;
    f.database = hostile;
    f.collection = hostile;
    f.job_id = 1;
    f.state = hostile;
    f.add("reason", hostile);
    log_event(config::log_level::error, "job failed: " + hostile, f);
    spdlog::warn("reload: unknown key {}", hostile);
    spdlog::set_default_logger(previous);
    return out.str();
  }

  config::cluster cluster_;
  config::collection collection_;
  collection_state state_;
};

TEST_F(HostileStrings, StatusPageEscapesMarkupAndShowsNoRawControls) {
  const auto page = status_page(view());
  expect_safe(page);
  EXPECT_EQ(page.find("<script"), std::string::npos) << page;
  EXPECT_EQ(page.find("</script"), std::string::npos) << page;
  EXPECT_NE(page.find("&lt;/script&gt;&lt;script&gt;"), std::string::npos) << page;
  EXPECT_NE(page.find(benign_text), std::string::npos) << "ordinary UTF-8 unchanged";
}

TEST_F(HostileStrings, StatusJsonParsesAndEscapesControlsC1AndBidi) {
  const auto text = status_json(view());
  expect_safe(text, false);
  const auto j = json::parse(text);
  const auto& c = j["collections"][0];
  expect_json_keeps_data(c, "collection");
  expect_json_keeps_data(c, "last_failure_reason");
  expect_json_keeps_data(c["job"], "state");
  const auto error = json_error(400, hostile).body;
  expect_safe(error, false);
  expect_json_keeps_data(json::parse(error), "error");
}

TEST_F(HostileStrings, PrometheusLabelsStayValidUtf8WithoutControls) {
  collection_.settings.edit().schedule = "every 1h";
  collection_list::storage storage;
  storage.push_back(std::make_unique<collection_runtime>(
      0, collection_, make_slot_plan(cluster_.name, collection_), 1));
  storage.back()->state = state_;
  api_counters counters;
  counters.add(client::operation::list, "ok");
  const counter_sums totals;
  const std::vector<metrics_cluster_view> clusters{{&cluster_, &counters, &totals}};
  metrics_core core(t10);
  // Every family per collection, so the collection's labels appear in each.
  const config::metrics_settings all{true, true, true};
  const auto scrape = core.scrape(all, collection_list(storage), clusters, t10);
  expect_safe(scrape);
  EXPECT_NE(scrape.find("collection=\""), std::string::npos);
  EXPECT_NE(scrape.find(benign_text), std::string::npos) << "ordinary UTF-8 unchanged";
  // Every sample is one line: name{labels} value.
  std::istringstream in(scrape);
  std::string line;
  while (std::getline(in, line)) {
    EXPECT_TRUE(line.empty() || line.starts_with("# ") || line.starts_with("milvus_refresh_") ||
                line.starts_with("process_"))
        << line;
  }
}

TEST_F(HostileStrings, TextLogIsOneEscapedLinePerEvent) {
  const auto out = log_lines(config::log_format::text);
  expect_safe(out);
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 2) << out;
  EXPECT_NE(out.find(benign_text), std::string::npos) << "ordinary UTF-8 unchanged";
}

TEST_F(HostileStrings, JsonLogIsOneValidObjectPerEvent) {
  const auto out = log_lines(config::log_format::json);
  expect_safe(out);
  std::istringstream in(out);
  std::string line;
  int lines = 0;
  while (std::getline(in, line)) {
    ++lines;
    const auto j = json::parse(line, nullptr, false);
    ASSERT_TRUE(j.is_object()) << line;
    EXPECT_NE(j["msg"].get<std::string>().find("</script>"), std::string::npos);
  }
  EXPECT_EQ(lines, 2) << out;
}

TEST_F(HostileStrings, CliTextOutputCarriesNoEscapeSequences) {
  std::ostringstream out;
  render_job(out, hostile_job(), output_format::text);
  render_jobs(out, {hostile_job(), hostile_job()}, output_format::text);
  progress_display bar(out, false);
  bar.update(hostile_job(), 1000);
  client::api_error e;
  e.kind = client::error_class::invalid;
  e.code = 1100;
  e.message = hostile;
  report_api_error(out, "describe job 1", e);
  const auto text = out.str();
  expect_safe(text);
  EXPECT_NE(text.find(benign_text), std::string::npos) << "ordinary UTF-8 unchanged";
}

TEST_F(HostileStrings, CliJsonOutputIsValidJson) {
  std::ostringstream out;
  ASSERT_NO_THROW(render_job(out, hostile_job(), output_format::json));
  ASSERT_NO_THROW(render_jobs(out, {hostile_job()}, output_format::json));
  const auto text = out.str();
  expect_safe(text);
  std::istringstream in(text);
  std::string line;
  ASSERT_TRUE(std::getline(in, line));
  expect_json_keeps_data(json::parse(line), "reason");
  ASSERT_TRUE(std::getline(in, line));
  expect_json_keeps_data(json::parse(line)["jobs"][0], "collection");
}

}  // namespace
}  // namespace refreshd::daemon
