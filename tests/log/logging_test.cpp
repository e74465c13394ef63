// The daemon's log line formats (docs/DAEMON.md "Logging").
#include <regex>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <refreshd/log/logging.hpp>

namespace refreshd::daemon {
namespace {

class Logging : public ::testing::Test {
 protected:
  void use(config::log_format format, bool journald = false) {
    logging_options o;
    o.format = format;
    o.journald = journald;
    o.level = config::log_level::debug;
    previous_ = spdlog::default_logger();
    setup_logging(o, out_);
  }
  void TearDown() override {
    if (previous_) {
      spdlog::set_default_logger(previous_);
    }
  }
  std::string line() const { return out_.str(); }

  std::ostringstream out_;
  std::shared_ptr<spdlog::logger> previous_;
};

log_fields job_fields() {
  log_fields f;
  f.cluster = "prod";
  f.database = "default";
  f.collection = "ext_books";
  f.job_id = 449503829274509311;
  f.state = "RefreshFailed";
  f.progress = 99;
  return f;
}

TEST_F(Logging, JsonLineIsOneObjectWithTheDocumentedKeys) {
  use(config::log_format::json);
  auto f = job_fields();
  f.add("reason", "no files found in \"s3://bucket/x/\"\nsecond line");
  log_event(config::log_level::error, "job failed", f);
  const auto text = line();
  ASSERT_EQ(text.back(), '\n');
  EXPECT_EQ(text.find('\n'), text.size() - 1) << "one line";
  auto j = nlohmann::json::parse(text);
  EXPECT_EQ(j["level"], "error");
  EXPECT_EQ(j["msg"], "job failed");
  EXPECT_EQ(j["cluster"], "prod");
  EXPECT_EQ(j["database"], "default");
  EXPECT_EQ(j["collection"], "ext_books");
  EXPECT_EQ(j["job_id"].get<std::int64_t>(), 449503829274509311);
  EXPECT_EQ(j["state"], "RefreshFailed");
  EXPECT_EQ(j["progress"], 99);
  EXPECT_EQ(j["reason"], "no files found in \"s3://bucket/x/\"\nsecond line") << "verbatim";
  EXPECT_TRUE(std::regex_match(j["time"].get<std::string>(),
                               std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")));
  EXPECT_EQ(text.rfind("{\"time\":", 0), 0u) << "time first";
}

TEST_F(Logging, PlainSpdlogCallsAreJsonToo) {
  use(config::log_format::json);
  spdlog::warn("TLS verification is off for {}", "prod");
  auto j = nlohmann::json::parse(line());
  EXPECT_EQ(j["level"], "warn");
  EXPECT_EQ(j["msg"], "TLS verification is off for prod");
}

TEST_F(Logging, InvalidUtf8FromAServerDoesNotBreakJson) {
  use(config::log_format::json);
  log_fields f;
  f.add("error", std::string("bad \xff byte"));
  log_event(config::log_level::warn, "list failed", f);
  auto j = nlohmann::json::parse(line(), nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << line();
}

TEST_F(Logging, TextLineHasTimeLevelMessageAndQuotedFields) {
  use(config::log_format::text);
  auto f = job_fields();
  f.add("reason", "no files found");
  log_event(config::log_level::info, "job failed", f);
  EXPECT_TRUE(std::regex_match(
      line(), std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z info job failed cluster=prod )"
                         R"(database=default collection=ext_books job_id=449503829274509311 )"
                         R"(state=RefreshFailed progress=99 reason="no files found"\n)")))
      << line();
}

TEST_F(Logging, JournaldTextLinesCarryPriorityInsteadOfTime) {
  use(config::log_format::text, true);
  log_fields f;
  f.cluster = "prod";
  log_event(config::log_level::warn, "rate limited", f);
  EXPECT_EQ(line(), "<4>rate limited cluster=prod\n");
}

TEST_F(Logging, FieldsBelowTheLevelAreNotFormatted) {
  use(config::log_format::text);
  spdlog::default_logger()->set_level(spdlog::level::info);
  log_event(config::log_level::debug, "describe", job_fields());
  EXPECT_EQ(line(), "");
}

TEST(LoggingText, RendersEmptyAndSpecialValuesQuoted) {
  EXPECT_EQ(render_text_fields(R"({"msg":"m","a":"","b":"x=y","c":"plain","n":5})"),
            R"(m a="" b="x=y" c=plain n=5)");
}

}  // namespace
}  // namespace refreshd::daemon
