// The refresh cycle's invariant under a randomized server (cycle_model.hpp), for thousands of
// runs: a refresh only straight after a successful list that showed no active job of the
// collection; after a failed refresh the next request is a list; at most 1 + retries jobs
// started per cycle; never a trigger while our own job is active; every cycle terminates.
#include <array>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <type_traits>

#include <gtest/gtest.h>

#include <refreshd/cycle/cycle.hpp>

#include "cycle_model.hpp"

namespace refreshd::daemon {
namespace {

using namespace cycle_testing;

bool shows_active_job(const list_result& r, const std::string& collection) {
  if (!r) {
    return false;
  }
  return std::any_of(r.value().begin(), r.value().end(), [&](const client::job_info& j) {
    return j.collection_name == collection && !client::is_terminal(j.state);
  });
}

model_settings random_settings(std::mt19937_64& r) {
  model_settings s;
  s.duplicates = static_cast<dup_policy>(r() % 4);
  const double error_rates[] = {0.0, 0.05, 0.2, 0.5};
  s.error_rate = error_rates[r() % 4];
  s.fatal_rate = (r() % 4 == 0) ? 0.01 : 0.0;
  s.ambiguous_rate = (r() % 2) ? 0.3 : 0.05;
  s.drop_rate = (r() % 3 == 0) ? 0.3 : 0.02;
  s.vanish_rate = (r() % 4 == 0) ? 0.05 : 0.0;
  s.other_actor_rate = (r() % 2) ? 0.2 : 0.01;
  s.fail_rate = (r() % 3) * 0.4;
  s.max_job = milliseconds(1000 + static_cast<std::int64_t>(r() % 1'800'000));
  return s;
}

cycle_params random_params(std::mt19937_64& r) {
  cycle_params p;
  p.retries = static_cast<int>(r() % 4);
  p.retry_backoff = milliseconds(1000 + static_cast<std::int64_t>(r() % 120'000));
  p.poll.initial = milliseconds(500 + static_cast<std::int64_t>(r() % 5000));
  p.poll.max = p.poll.initial * static_cast<int>(1 + r() % 60);
  p.pending_timeout = p.stall_timeout = milliseconds(60'000 + r() % 1'800'000);
  p.timeout = p.pending_timeout * 3;
  return p;
}

struct invariant_checker {
  const std::string collection = "ext_books";
  client::operation last_op = client::operation::describe;
  bool have_last_op = false;
  bool last_list_clear = false;
  bool must_list = false;

  void before(client::operation op) {
    if (op == client::operation::refresh) {
      ASSERT_TRUE(have_last_op && last_op == client::operation::list)
          << "a refresh must come straight after a list";
      ASSERT_TRUE(last_list_clear) << "refresh after a list that showed an active job (or failed)";
    }
    if (must_list) {
      ASSERT_EQ(op, client::operation::list) << "a failed refresh must be followed by a list";
    }
    must_list = false;
    last_op = op;
    have_last_op = true;
  }
};

/// How often each path was taken over all runs (the test asserts every one was exercised).
struct coverage {
  // [event type or 11 for outcomes][sub-kind]: counted cheaply, named when printed.
  std::array<std::array<int, 16>, 12> n{};

  void add(const cycle_step& s) {
    for (const auto& e : s.events) {
      const int sub = std::visit(
          [](const auto& ev) -> int {
            using E = std::decay_t<decltype(ev)>;
            if constexpr (std::is_same_v<E, events::adopted>) {
              return static_cast<int>(ev.reason);
            } else if constexpr (std::is_same_v<E, events::stuck>) {
              return static_cast<int>(ev.why);
            } else if constexpr (std::is_same_v<E, events::retry_scheduled>) {
              return static_cast<int>(ev.cause);
            } else if constexpr (std::is_same_v<E, events::api_failure>) {
              return static_cast<int>(ev.error.kind);
            } else {
              return 0;
            }
          },
          e);
      ++n[e.index()][static_cast<std::size_t>(sub)];
    }
    if (const auto* f = std::get_if<finish_action>(&s.next)) {
      ++n[11][static_cast<std::size_t>(f->outcome.kind)];
    }
  }

  std::map<std::string, int> named() const {
    static const char* types[] = {"triggered", "adopted", "trigger_lost", "job_progress",
                                  "stuck",     "unstuck", "completed",    "failed",
                                  "job_lost",  "retry",   "error",        "outcome"};
    std::map<std::string, int> out;
    for (std::size_t t = 0; t < n.size(); ++t) {
      for (std::size_t k = 0; k < n[t].size(); ++k) {
        if (n[t][k] == 0) {
          continue;
        }
        std::string name = types[t];
        const int v = static_cast<int>(k);
        if (t == 1) {
          name += "/" + std::string(to_string(static_cast<adopt_reason>(v)));
        } else if (t == 4) {
          name += "/" + std::string(to_string(static_cast<stuck_reason>(v)));
        } else if (t == 9) {
          name += "/" + std::string(to_string(static_cast<retry_cause>(v)));
        } else if (t == 10) {
          name += "/" + std::string(client::to_string(static_cast<error_class>(v)));
        } else if (t == 11) {
          name += "/" + std::string(to_string(static_cast<outcome_kind>(v)));
        }
        out[name] = n[t][k];
      }
    }
    return out;
  }
};

coverage& tally() {
  static coverage c;
  return c;
}

void trace(bool on, const test_clock& clock, const cycle_step& s) {
  tally().add(s);
  if (!on) {
    return;
  }
  for (const auto& e : s.events) {
    std::printf("    %lld  event: %s\n",
                static_cast<long long>(clock.now.steady.time_since_epoch().count() / 1000000),
                to_log_line(e).c_str());
  }
  static const char* names[] = {"list", "refresh", "describe", "wait", "finish"};
  std::printf("    %lld  action: %s\n",
              static_cast<long long>(clock.now.steady.time_since_epoch().count() / 1000000),
              names[s.next.index()]);
}

/// Runs three cycles in a row on one refresh_cycle against one server model. `verbose` prints
/// every action and event (set REFRESHD_CYCLE_SEED to replay one seed).
void run_one(std::uint64_t seed, bool verbose = false) {
  std::mt19937_64 r(seed);
  server_model server(random_settings(r), seed * 7919 + 1);
  const cycle_params params = random_params(r);
  refresh_cycle cycle(target(), params, seed);
  test_clock clock;
  invariant_checker check;
  for (int n = 0; n < 3; ++n) {
    std::optional<steady_time> deadline;
    if (r() % 2) {
      deadline = clock.now.steady + milliseconds(1000 + r() % 7'200'000);
    }
    const int created_before = server.ours_created_ - server.ours_vanished_;
    int triggered = 0;
    cycle_step s = cycle.start(clock.now, deadline);
    trace(verbose, clock, s);
    for (int steps = 0; !std::holds_alternative<finish_action>(s.next); ++steps) {
      ASSERT_LT(steps, 50'000) << "seed " << seed << ": the cycle does not terminate";
      triggered += count_events<events::triggered>(s.events);
      const auto latency = milliseconds(r() % 300);
      if (const auto* l = std::get_if<list_action>(&s.next)) {
        check.before(client::operation::list);
        const list_result res = server.on_list(l->request.collection, clock.now);
        check.last_list_clear = res.has_value() && !shows_active_job(res, check.collection);
        clock.advance(latency);
        s = cycle.on_list(res, clock.now);
      } else if (const auto* f = std::get_if<refresh_action>(&s.next)) {
        check.before(client::operation::refresh);
        ASSERT_FALSE(::testing::Test::HasFatalFailure()) << "seed " << seed;
        const refresh_result res = server.on_refresh(f->request.collection, clock.now);
        check.must_list = !res.has_value();
        clock.advance(latency);
        s = cycle.on_refresh(res, clock.now);
      } else if (const auto* d = std::get_if<describe_action>(&s.next)) {
        check.before(client::operation::describe);
        const describe_result res = server.on_describe(d->id, clock.now);
        clock.advance(latency);
        s = cycle.on_describe(res, clock.now);
      } else {
        const auto& w = std::get<wait_action>(s.next);
        ASSERT_GE(w.until, clock.now.steady - latency);
        clock.advance_to(w.until);
        if (r() % 50 == 0) {
          clock.now.wall += (r() % 2) ? milliseconds(3'600'000) : -milliseconds(3'600'000);
        }
        server.on_time_passes(check.collection, clock.now);
        s = cycle.on_timer(clock.now);
      }
      ASSERT_FALSE(::testing::Test::HasFatalFailure()) << "seed " << seed;
      trace(verbose, clock, s);
    }
    triggered += count_events<events::triggered>(s.events);
    const cycle_outcome& o = std::get<finish_action>(s.next).outcome;
    EXPECT_LE(server.ours_created_ - server.ours_vanished_ - created_before, 1 + params.retries)
        << "seed " << seed;
    EXPECT_EQ(o.triggers, triggered) << "seed " << seed;
    if (o.kind == outcome_kind::completed) {
      ASSERT_TRUE(o.job.has_value());
      EXPECT_EQ(o.job->state, job_state::completed) << "seed " << seed;
    }
    clock.advance(milliseconds(r() % 600'000));
  }
  EXPECT_EQ(server.overlaps_ours_, 0) << "seed " << seed << ": triggered over our own job";
  if (!server.hidden_) {
    EXPECT_EQ(server.overlaps_, 0) << "seed " << seed << ": triggered over a listed job";
  }
}

TEST(CycleInvariant, HoldsAgainstARandomizedServerForThousandsOfRuns) {
  if (const char* one = std::getenv("REFRESHD_CYCLE_SEED")) {
    run_one(std::strtoull(one, nullptr, 10), true);
    return;
  }
  constexpr std::uint64_t runs = 2000;
  for (std::uint64_t seed = 1; seed <= runs; ++seed) {
    run_one(seed);
    if (::testing::Test::HasFailure()) {
      FAIL() << "first failing seed: " << seed;
    }
  }
  auto seen = tally().named();
  for (const char* path :
       {"adopted/already_running", "adopted/duplicate",   "adopted/dropped_trigger",
        "adopted/ambiguous",       "adopted/replaced",    "stuck/pending_timeout",
        "stuck/no_progress",       "retry/api_error",     "retry/duplicate_without_job",
        "retry/job_failed",        "retry/job_lost",      "error/transient",
        "error/duplicate",         "error/job_not_found", "outcome/completed",
        "outcome/failed",          "outcome/gave_up",     "outcome/misconfigured",
        "outcome/unsupported",     "outcome/auth_failed"}) {
    EXPECT_GT(seen[path], 0) << path << " was never exercised";
  }
  std::printf("\n  paths exercised over %d randomized runs (3 cycles each):\n",
              static_cast<int>(runs));
  for (const auto& [path, n] : seen) {
    std::printf("    %-40s %d\n", path.c_str(), n);
  }
}

}  // namespace
}  // namespace refreshd::daemon
