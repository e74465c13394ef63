// basic_runtime::apply_config (docs/DAEMON.md "Reload"): per-collection reload driven by the mock
// clock against the in-memory cluster model. The triggers (SIGHUP, inotify, the periodic check) and
// the notify/metrics side are tested with the real binary in
// tests/integration/daemon_reload_test.cpp.
#include <filesystem>
#include <fstream>
#include <sys/stat.h>

#include <gtest/gtest.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include <refreshd/runtime/mock_clock.hpp>
#include <refreshd/runtime/runtime.hpp>
#include <refreshd/runtime/runtime_mock.hpp>
#include <refreshd/test/model_cluster.hpp>
#include <refreshd/test/quiet_logger.hpp>

#include "runtime_fixture.hpp"

namespace refreshd::daemon {
namespace {

class Reload : public Runtime {
 protected:
  void TearDown() override {
    Runtime::TearDown();
    std::filesystem::remove_all(dir_);
  }

  static config::collection make_collection(const std::string& name, const std::string& schedule,
                                            bool catch_up = false) {
    config::collection col;
    col.name = name;
    col.database = "default";
    col.settings.edit().schedule = schedule;
    col.settings.edit().catch_up = catch_up;
    col.settings.edit().poll.initial = 500ms;
    col.settings.edit().poll.max = 2s;
    return col;
  }
  /// A config with one cluster "prod" holding `names` on `schedule`.
  std::shared_ptr<config::config> make_config(const std::vector<std::string>& names,
                                              const std::string& schedule = "every 10s") {
    auto cfg = std::make_shared<config::config>();
    auto& c = cfg->clusters.emplace_back();
    c.name = "prod";
    c.endpoint = "http://model";
    c.token.kind = config::token_kind::literal;
    c.token.literal = config::secret_string("t0");
    c.rate_limit = 0;
    c.max_running_jobs = 100;
    for (const auto& n : names) {
      c.collections.push_back(make_collection(n, schedule));
      if (!model_.collections.contains(n)) {
        model_.collections[n] = model_cluster::behaviour{100ms, 1s, false};
      }
    }
    return cfg;
  }
  void start(std::shared_ptr<config::config> cfg) {
    runtime_options o;
    o.seed = 42;
    rt_ = mock_runtime::create(
        ioc_.get_executor(), std::move(cfg),
        [this](executor, const config::cluster& c, std::string) {
          ++connections_;
          endpoints_.push_back(c.endpoint);
          return cluster_client{std::make_unique<test::model_api>(model_),
                                [this](std::string t) { tokens_set_.push_back(t); }};
        },
        o);
    rt_->start();
  }
  bool run_until(mock_clock::duration d, const std::function<bool()>& pred) {
    return advance_and_poll(ioc_, d, 10ms, pred);
  }
  const collection_runtime* find(const std::string& name) const {
    for (const auto& c : rt_->collections()) {
      if (c.cfg->name == name) {
        return &c;
      }
    }
    return nullptr;
  }
  std::filesystem::path token_file(const std::string& content) {
    std::filesystem::create_directories(dir_);
    const auto p = dir_ / "token";
    std::ofstream(p) << content;
    return p;
  }

  int connections_ = 0;
  std::vector<std::string> endpoints_;
  std::vector<std::string> tokens_set_;
  std::filesystem::path dir_ =
      std::filesystem::temp_directory_path() / ("refreshd-reload-" + std::to_string(::getpid()));
};

TEST_F(Reload, AnUnchangedCollectionKeepsItsPollAndTheAddedOneIsReconciled) {
  model_.collections["a"] = model_cluster::behaviour{100ms, 20s, false};
  start(make_config({"a"}));
  ASSERT_TRUE(run_until(15s, [&] { return model_.triggers == 1; }));
  run_for(1s);
  ASSERT_TRUE(find("a")->running);
  const auto job = model_.jobs.at(0).id;
  const auto seen_before = find("a")->state.counters.triggers;

  const auto s = rt_->apply_config(make_config({"a", "b"}));
  EXPECT_EQ(s.added, 1u);
  EXPECT_EQ(s.unchanged, 1u);
  EXPECT_EQ(s.changed + s.removed, 0u);
  EXPECT_EQ(connections_, 1) << "the cluster's connection is kept";
  ASSERT_EQ(rt_->collections().size(), 2u);
  EXPECT_TRUE(find("a")->running) << "the in-flight poll goes on";
  EXPECT_EQ(find("a")->state.counters.triggers, seen_before);

  // The job ends ~21 s after its trigger: followed to its end, never re-triggered meanwhile.
  ASSERT_TRUE(run_until(30s, [&] { return find("a")->state.counters.finished.completed == 1; }));
  ASSERT_TRUE(find("a")->state.job.has_value());
  EXPECT_EQ(find("a")->state.job->id, job);
  EXPECT_EQ(model_.overlapping, 0);
  EXPECT_GE(model_.triggers_of("b"), 1) << "the added collection runs on its schedule";
}

TEST_F(Reload, ARemovedCollectionStopsButItsRunningJobIsFollowedToItsEnd) {
  model_.collections["a"] = model_cluster::behaviour{100ms, 8s, false};
  start(make_config({"a", "b"}));
  ASSERT_TRUE(run_until(15s, [&] { return model_.triggers_of("a") == 1; }));
  run_for(500ms);
  const auto s = rt_->apply_config(make_config({"b"}));
  EXPECT_EQ(s.removed, 1u);
  EXPECT_EQ(rt_->collections().size(), 1u);
  EXPECT_EQ(rt_->collections()[0].cfg->name, "b");
  EXPECT_EQ(rt_->collections()[0].index, 0u);
  EXPECT_EQ(rt_->retired_collections(), 1u);
  const auto describes_before = model_.request_times.size();
  ASSERT_TRUE(run_until(15s, [&] { return rt_->retired_collections() == 0; }))
      << "dropped once its job ended";
  EXPECT_GT(model_.request_times.size(), describes_before) << "its job was still polled";
  run_for(40s);
  EXPECT_EQ(model_.triggers_of("a"), 1) << "never scheduled again";
  EXPECT_GE(model_.triggers_of("b"), 4);
  EXPECT_EQ(model_.overlapping, 0);
}

TEST_F(Reload, AChangedScheduleReschedulesAnIdleCollectionAtOnce) {
  start(make_config({"a"}, "every 1h"));
  run_for(2s);
  EXPECT_EQ(model_.triggers, 0);
  const auto s = rt_->apply_config(make_config({"a"}, "every 5s"));
  EXPECT_EQ(s.changed, 1u);
  run_for(21s);
  EXPECT_GE(model_.triggers_of("a"), 3);
  EXPECT_EQ(find("a")->cfg->settings->schedule, "every 5s");
}

// A reload that changes every collection of a large config writes the first per-collection
// lines of each kind at info and the others at debug (docs/DAEMON.md "Reload"): 10,000 lines
// written on the loop held it for about 80 ms (bench/RESULTS.md §12).
TEST_F(Reload, OnlyTheFirstPerCollectionLinesOfAKindAreLoggedAtInfo) {
  std::vector<std::string> names;
  for (int i = 0; i < 30; ++i) {
    names.push_back("c" + std::to_string(i));
  }
  start(make_config(names, "every 1h"));
  run_for(1s);
  test::captured_log log;
  const auto s = rt_->apply_config(make_config(names, "every 2h"));
  EXPECT_EQ(s.changed, 30u);
  const auto text = log.text();
  std::size_t lines = 0;
  for (auto at = text.find("reload: collection changed"); at != std::string::npos;
       at = text.find("reload: collection changed", at + 1)) {
    ++lines;
  }
  EXPECT_EQ(lines, reload_lines_at_info);
  EXPECT_EQ(reload_line_level(reload_lines_at_info + 1), config::log_level::debug);
}

TEST_F(Reload, ChangedSettingsOfARunningCollectionApplyFromItsNextCycle) {
  model_.collections["a"] = model_cluster::behaviour{100ms, 6s, false};
  start(make_config({"a"}, "every 10s"));
  ASSERT_TRUE(run_until(15s, [&] { return model_.triggers == 1; }));
  run_for(500ms);
  auto next = make_config({"a"}, "every 1h");
  next->clusters[0].collections[0].settings.edit().retries = 7;
  EXPECT_EQ(rt_->apply_config(next).changed, 1u);
  EXPECT_TRUE(find("a")->running);
  ASSERT_TRUE(find("a")->cycle() != nullptr) << "a running collection has its cycle";
  EXPECT_EQ(find("a")->cycle()->params().retries, 7);
  ASSERT_TRUE(run_until(10s, [&] { return !find("a")->running; }));
  EXPECT_EQ(model_.triggers, 1);
  EXPECT_EQ(model_.overlapping, 0);
  // The next slot follows the new hourly schedule (11:00), not the old 10 s one.
  run_for(30s);
  EXPECT_EQ(model_.triggers, 1);
}

TEST_F(Reload, LimitsChangeInPlace) {
  for (const auto* n : {"a", "b", "c", "d"}) {
    model_.collections[n] = model_cluster::behaviour{100ms, 30s, false};
  }
  auto cfg = make_config({"a", "b", "c", "d"});
  cfg->clusters[0].max_running_jobs = 1;
  start(cfg);
  run_for(15s);
  EXPECT_EQ(model_.max_active, 1);
  auto next = make_config({"a", "b", "c", "d"});
  next->clusters[0].max_running_jobs = 4;
  next->clusters[0].rate_limit = 5;
  const auto* cluster_before = rt_->clusters()[0].get();
  const auto s = rt_->apply_config(next);
  EXPECT_EQ(s.clusters_replaced, 0u);
  EXPECT_EQ(rt_->clusters()[0].get(), cluster_before);
  EXPECT_EQ(rt_->clusters()[0]->slots.capacity(), 4);
  EXPECT_EQ(rt_->clusters()[0]->limiter.bucket().configured_rate(), 5);
  run_for(12s);
  EXPECT_EQ(model_.max_active, 4) << "waiting collections got the new slots";
  EXPECT_EQ(model_.overlapping, 0);
}

TEST_F(Reload, AChangedEndpointBuildsANewConnectionAndTheOldOneFinishesItsJob) {
  model_.collections["a"] = model_cluster::behaviour{100ms, 5s, false};
  start(make_config({"a"}));
  ASSERT_TRUE(run_until(15s, [&] { return model_.triggers == 1; }));
  run_for(500ms);
  auto next = make_config({"a"});
  next->clusters[0].endpoint = "http://model-2";
  const auto s = rt_->apply_config(next);
  EXPECT_EQ(s.clusters_replaced, 1u);
  EXPECT_EQ(s.changed, 1u);
  EXPECT_EQ(connections_, 2);
  EXPECT_EQ(endpoints_.back(), "http://model-2");
  EXPECT_TRUE(find("a")->running);
  ASSERT_TRUE(run_until(10s, [&] { return find("a")->state.counters.finished.completed == 1; }));
  run_for(30s);
  EXPECT_GE(model_.triggers, 3);
  EXPECT_EQ(model_.overlapping, 0);
  EXPECT_EQ(rt_->clusters()[0]->cfg->endpoint, "http://model-2");
  // API counters continue across the new connection.
  EXPECT_GT(rt_->clusters()[0]->requests.get(client::operation::refresh, "ok"), 1u);
}

TEST_F(Reload, TokenFilesAreReReadAndAnUnreadableOneRefusesTheReloadWholly) {
  auto cfg = make_config({"a"});
  const auto file = token_file("first\n");
  cfg->clusters[0].token = config::token_source{};
  cfg->clusters[0].token.kind = config::token_kind::file;
  cfg->clusters[0].token.reference = file.string();
  start(cfg);
  run_for(1s);
  std::ofstream(file) << "second\n";
  auto same = std::make_shared<config::config>(*cfg);
  auto s = rt_->apply_config(same);
  EXPECT_EQ(s.tokens_changed, 1u);
  EXPECT_EQ(s.unchanged, 1u);
  ASSERT_EQ(tokens_set_.size(), 1u);
  EXPECT_EQ(tokens_set_[0], "second");

  std::filesystem::remove(file);
  auto next = make_config({"a", "b"});
  next->clusters[0].token = cfg->clusters[0].token;
  EXPECT_THROW(rt_->apply_config(next), config::token_error);
  EXPECT_EQ(rt_->collections().size(), 1u) << "nothing changed";
  EXPECT_EQ(&rt_->configuration(), same.get());
}

TEST_F(Reload, ACaFileChangedInPlaceBuildsANewConnectionAndAnUnchangedOneDoesNot) {
  std::filesystem::create_directories(dir_);
  const auto ca = dir_ / "ca.pem";
  std::ofstream(ca) << "first CA bundle\n";
  auto cfg = make_config({"a"});
  cfg->clusters[0].tls.ca_file = ca.string();
  start(cfg);
  run_for(1s);
  EXPECT_EQ(connections_, 1);

  auto same = std::make_shared<config::config>(*cfg);
  EXPECT_EQ(rt_->apply_config(same).clusters_replaced, 0u) << "same bytes: same connection";
  EXPECT_EQ(connections_, 1);

  std::ofstream(ca, std::ios::trunc) << "second CA bundle\n";  // same path, new bytes
  auto changed = std::make_shared<config::config>(*cfg);
  EXPECT_EQ(rt_->apply_config(changed).clusters_replaced, 1u);
  EXPECT_EQ(connections_, 2);

  // A CA file that cannot be read refuses the whole reload, naming the file.
  std::filesystem::remove(ca);
  ASSERT_EQ(::mkfifo(ca.c_str(), 0600), 0);
  auto fifo = make_config({"a", "b"});
  fifo->clusters[0].tls.ca_file = ca.string();
  try {
    rt_->apply_config(fifo);
    ADD_FAILURE() << "expected the reload to fail";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find(ca.string() + " is not a regular file (a FIFO)"),
              std::string::npos)
        << e.what();
  }
  EXPECT_EQ(rt_->collections().size(), 1u) << "nothing changed";
  EXPECT_EQ(connections_, 2);
}

TEST_F(Reload, ABurstOfReloadsNeverOverlapsNorLosesAJob) {
  for (const auto* n : {"a", "b", "c"}) {
    model_.collections[n] = model_cluster::behaviour{100ms, 3s, false};
  }
  start(make_config({"a", "b", "c"}, "every 2s"));
  for (int i = 0; i < 100; ++i) {
    run_until(1s, [&] { return rt_->can_apply_config(); });
    // Alternate: c removed / added back, a's schedule changes, b unchanged.
    auto next = make_config(
        i % 2 == 0 ? std::vector<std::string>{"a", "b"} : std::vector<std::string>{"a", "b", "c"},
        "every 2s");
    next->clusters[0].collections[0].settings.edit().schedule =
        i % 3 == 0 ? "every 3s" : "every 2s";
    rt_->apply_config(next);
    run_for(137ms);
  }
  run_for(30s);
  EXPECT_EQ(model_.overlapping, 0);
  EXPECT_GE(find("b")->state.counters.finished.completed, 5u);
  EXPECT_EQ(rt_->retired_collections(), 0u);
  for (std::size_t i = 0; i < rt_->collections().size(); ++i) {
    EXPECT_EQ(rt_->collections()[i].index, i);
  }
}

}  // namespace
}  // namespace refreshd::daemon
