#pragma once
// Helpers for the refresh-cycle tests: a two-clock "now", job and error builders, and accessors
// for actions and events. Time only moves when a test moves it.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include <gtest/gtest.h>

#include <refreshd/cycle/cycle.hpp>

namespace refreshd::daemon::cycle_testing {

using namespace std::chrono_literals;
using client::error_class;
using client::job_state;
using std::chrono::milliseconds;

/// 2026-11-22T10:00:00Z in epoch milliseconds: the wall clock at test start.
inline constexpr std::int64_t epoch_ms = 1795341600000;

/// Both clocks, moved together (or the wall alone, for clock-jump tests).
struct test_clock {
  instant now{steady_time(std::chrono::hours(1000)), wall_time(milliseconds(epoch_ms))};

  void advance(milliseconds d) {
    now.steady += d;
    now.wall += d;
  }
  void advance_to(steady_time t) {
    if (t > now.steady) {
      advance(std::chrono::duration_cast<milliseconds>(t - now.steady));
    }
  }
  [[nodiscard]] std::int64_t wall_ms() const { return now.wall.time_since_epoch().count(); }
};

inline client::refresh_request target(std::string collection = "ext_books",
                                      std::string database = "default") {
  client::refresh_request r;
  r.database = std::move(database);
  r.collection = std::move(collection);
  return r;
}

inline client::job_info job(std::int64_t id, job_state state, int progress, std::int64_t start_ms,
                            std::int64_t end_ms = 0, std::string collection = "ext_books") {
  client::job_info j;
  j.id = client::job_id{id};
  j.collection_name = std::move(collection);
  j.state = state;
  j.state_text = std::string(client::to_string(state));
  j.progress = progress;
  j.start_time_ms = start_ms;
  j.end_time_ms = end_ms;
  if (state == job_state::failed) {
    j.reason = "no files found in external source: s3://bucket/books/";
  }
  return j;
}

inline client::api_error error(error_class kind, std::string message = "scripted",
                               bool maybe_sent = false) {
  client::api_error e;
  e.kind = kind;
  e.http_status = 200;
  e.code = 65535;
  e.message = std::move(message);
  e.maybe_sent = maybe_sent;
  return e;
}

using list_result = client::api_result<std::vector<client::job_info>>;
using refresh_result = client::api_result<client::job_id>;
using describe_result = client::api_result<client::job_info>;

inline list_result listed(std::vector<client::job_info> jobs = {}) {
  return list_result(std::move(jobs));
}
inline refresh_result new_id(std::int64_t id) {
  return refresh_result(client::job_id{id});
}

template <class A>
bool is(const cycle_step& s) {
  return std::holds_alternative<A>(s.next);
}
template <class A>
const A& as(const cycle_step& s) {
  return std::get<A>(s.next);
}

template <class E>
int count_events(const std::vector<cycle_event>& events) {
  int n = 0;
  for (const auto& e : events) {
    n += std::holds_alternative<E>(e) ? 1 : 0;
  }
  return n;
}
template <class E>
const E* find_event(const std::vector<cycle_event>& events) {
  for (const auto& e : events) {
    if (const auto* p = std::get_if<E>(&e)) {
      return p;
    }
  }
  return nullptr;
}

/// A cycle under test with its clock; every step's events are also appended to `events`.
class cycle_fixture : public ::testing::Test {
 protected:
  void make(cycle_params p = {}, client::refresh_request t = target()) {
    params = p;
    cycle = std::make_unique<refresh_cycle>(std::move(t), p, 12345);
  }
  const cycle_step& keep(cycle_step next) {
    step = std::move(next);
    events.insert(events.end(), step.events.begin(), step.events.end());
    return step;
  }
  const cycle_step& start(std::optional<steady_time> deadline = std::nullopt,
                          cycle_mode mode = cycle_mode::refresh) {
    if (!cycle) {
      make();
    }
    return keep(cycle->start(clock.now, deadline, mode));
  }
  const cycle_step& list(const list_result& r) { return keep(cycle->on_list(r, clock.now)); }
  const cycle_step& refresh(const refresh_result& r) {
    return keep(cycle->on_refresh(r, clock.now));
  }
  const cycle_step& describe(const describe_result& r) {
    return keep(cycle->on_describe(r, clock.now));
  }
  /// Lets the pending wait expire and feeds the timer.
  const cycle_step& fire() {
    EXPECT_TRUE(is<wait_action>(step));
    clock.advance_to(as<wait_action>(step).until);
    return keep(cycle->on_timer(clock.now));
  }
  /// Milliseconds until the pending wait expires.
  milliseconds wait_left() const {
    return std::chrono::duration_cast<milliseconds>(as<wait_action>(step).until - clock.now.steady);
  }
  /// start → empty list → refresh answered with `id` → confirming describe requested.
  void trigger_job(std::int64_t id) {
    start();
    list(listed());
    EXPECT_TRUE(is<refresh_action>(step));
    refresh(new_id(id));
    fire();
    EXPECT_TRUE(is<describe_action>(step));
  }
  const cycle_outcome& outcome() const { return as<finish_action>(step).outcome; }

  test_clock clock;
  cycle_params params;
  std::unique_ptr<refresh_cycle> cycle;
  cycle_step step;
  std::vector<cycle_event> events;
};

}  // namespace refreshd::daemon::cycle_testing
