// bench/RESULTS.md "API economy", for long jobs: the daemon's own refresh cycle (refresh_cycle,
// with its adaptive poll policy) driven on virtual time against a model of one job with steady
// progress, exactly like the simulator's (Pending for `pending`, then InProgress with progress
// floor(100 x elapsed / running) capped at 99, then Completed at start + pending + running).
// Requests take no time. Nothing sleeps: a wait_action moves the virtual clock to its deadline.
//
// For each job duration D (= pending + running) it prints the describes the cycle sent, the
// bound ceil(log2(D / poll.initial)) + D / poll.max + 2, the detection delay (the describe that
// saw Completed minus the job's endTime) and its bound max(poll.initial, 10 % of D), and the
// vendor docs' fixed 2-second loop (sleep 2 s, describe, repeat: ceil(D / 2 s) describes).
//
//   bench_poll_economy [--initial MS] [--max MS] [--pending MS] [--durations S,S,...] [--json]
//
// --pending may be given several times (comma-separated): every duration is run with each
// value and the worst case is reported too.

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

#include <refreshd/cycle/cycle.hpp>

namespace {

using namespace std::chrono_literals;
using refreshd::client::job_info;
using refreshd::client::job_state;
using refreshd::daemon::cycle_params;
using refreshd::daemon::describe_action;
using refreshd::daemon::finish_action;
using refreshd::daemon::instant;
using refreshd::daemon::list_action;
using refreshd::daemon::refresh_action;
using refreshd::daemon::refresh_cycle;
using refreshd::daemon::steady_time;
using refreshd::daemon::wait_action;
using refreshd::daemon::wall_time;
using std::chrono::milliseconds;

constexpr std::int64_t epoch_ms = 1795341600000;  // 2026-11-22T10:00:00Z
constexpr std::int64_t job_id_value = 449503829274509311;

struct job_model {
  std::int64_t start_ms = 0;
  std::int64_t pending_ms = 0;
  std::int64_t running_ms = 0;

  [[nodiscard]] std::int64_t end_ms() const { return start_ms + pending_ms + running_ms; }

  [[nodiscard]] job_info at(std::int64_t now_ms) const {
    job_info j;
    j.id = refreshd::client::job_id{job_id_value};
    j.collection_name = "ext_bench";
    j.start_time_ms = start_ms;
    const std::int64_t elapsed = now_ms - start_ms;
    if (elapsed < pending_ms) {
      j.state = job_state::pending;
    } else if (elapsed < pending_ms + running_ms) {
      j.state = job_state::in_progress;
      j.progress = static_cast<int>(std::min<std::int64_t>(
          99, (elapsed - pending_ms) * 100 / std::max<std::int64_t>(1, running_ms)));
    } else {
      j.state = job_state::completed;
      j.progress = 100;
      j.end_time_ms = end_ms();
    }
    j.state_text = std::string(refreshd::client::to_string(j.state));
    return j;
  }
};

struct run_result {
  int describes = 0;
  int lists = 0;
  int refreshes = 0;
  std::int64_t detection_ms = 0;
  std::vector<std::int64_t> describe_at_ms;  // relative to the trigger
  std::string outcome;
};

/// One cycle: list (empty) -> refresh -> describes until Completed.
run_result run_cycle(const cycle_params& params, std::int64_t pending_ms, std::int64_t running_ms) {
  instant now{steady_time(std::chrono::hours(1000)), wall_time(milliseconds(epoch_ms))};
  auto advance_to = [&now](steady_time t) {
    if (t > now.steady) {
      const auto d = std::chrono::duration_cast<milliseconds>(t - now.steady);
      now.steady += d;
      now.wall += d;
    }
  };
  auto wall_ms = [&now] { return now.wall.time_since_epoch().count(); };

  refreshd::client::refresh_request target;
  target.database = "default";
  target.collection = "ext_bench";
  refresh_cycle cycle(target, params, 12345);
  job_model job;
  run_result r;
  const auto deadline = now.steady + std::chrono::hours(24 * 30);
  auto step = cycle.start(now, deadline);
  for (int guard = 0; guard < 100000; ++guard) {
    if (std::holds_alternative<list_action>(step.next)) {
      ++r.lists;
      std::vector<job_info> jobs;
      if (r.refreshes > 0) {
        jobs.push_back(job.at(wall_ms()));
      }
      step =
          cycle.on_list(refreshd::client::api_result<std::vector<job_info>>(std::move(jobs)), now);
    } else if (std::holds_alternative<refresh_action>(step.next)) {
      ++r.refreshes;
      job = job_model{wall_ms(), pending_ms, running_ms};
      step = cycle.on_refresh(refreshd::client::api_result<refreshd::client::job_id>(
                                  refreshd::client::job_id{job_id_value}),
                              now);
    } else if (std::holds_alternative<describe_action>(step.next)) {
      ++r.describes;
      r.describe_at_ms.push_back(wall_ms() - job.start_ms);
      step = cycle.on_describe(refreshd::client::api_result<job_info>(job.at(wall_ms())), now);
    } else if (const auto* w = std::get_if<wait_action>(&step.next)) {
      advance_to(w->until);
      step = cycle.on_timer(now);
    } else {
      const auto& out = std::get<finish_action>(step.next).outcome;
      r.outcome = std::string(refreshd::daemon::to_string(out.kind));
      r.detection_ms = wall_ms() - job.end_ms();
      return r;
    }
  }
  throw std::runtime_error("the cycle did not finish");
}

std::vector<std::int64_t> parse_list(const std::string& s) {
  std::vector<std::int64_t> out;
  std::stringstream in(s);
  std::string item;
  while (std::getline(in, item, ',')) {
    out.push_back(std::stoll(item));
  }
  return out;
}

std::string human(std::int64_t ms) {
  if (ms == 0) {
    return "0";
  }
  if (ms % 3'600'000 == 0) {
    return std::to_string(ms / 3'600'000) + " h";
  }
  if (ms % 60'000 == 0) {
    return std::to_string(ms / 60'000) + " min";
  }
  if (ms % 1000 == 0) {
    return std::to_string(ms / 1000) + " s";
  }
  return std::to_string(ms) + " ms";
}

}  // namespace

int main(int argc, char** argv) {
  std::int64_t initial_ms = 2000;
  std::int64_t max_ms = 60000;
  std::vector<std::int64_t> pendings{100};
  std::vector<std::int64_t> durations_s{10, 30, 60, 120, 300, 600, 1800, 3600, 7200};
  bool as_json = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "missing value after %s\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--initial") {
      initial_ms = std::stoll(value());
    } else if (a == "--max") {
      max_ms = std::stoll(value());
    } else if (a == "--pending") {
      pendings = parse_list(value());
    } else if (a == "--durations") {
      durations_s = parse_list(value());
    } else if (a == "--json") {
      as_json = true;
    } else {
      std::fprintf(stderr,
                   "usage: bench_poll_economy [--initial MS] [--max MS] [--pending MS,...] "
                   "[--durations S,...] [--json]\n");
      return 2;
    }
  }
  cycle_params params;
  params.poll.initial = milliseconds(initial_ms);
  params.poll.max = milliseconds(max_ms);

  if (as_json) {
    std::printf("{\"poll_initial_ms\":%lld,\"poll_max_ms\":%lld,\"rows\":[",
                static_cast<long long>(initial_ms), static_cast<long long>(max_ms));
  } else {
    std::printf("poll.initial %s, poll.max %s; requests take no time\n\n",
                human(initial_ms).c_str(), human(max_ms).c_str());
    std::printf("| job | pending | describes | bound | detection | bound | vendor 2 s loop |\n");
    std::printf("|---|---|---|---|---|---|---|\n");
  }
  bool first = true;
  int failures = 0;
  for (const auto d_s : durations_s) {
    const std::int64_t d_ms = d_s * 1000;
    std::vector<std::int64_t> done;
    for (const auto p_ms_in : pendings) {
      // A negative --pending value means a percentage of the duration.
      const std::int64_t p_ms = p_ms_in < 0 ? d_ms * -p_ms_in / 100 : p_ms_in;
      const std::int64_t running = d_ms - p_ms;
      if (running <= 0 || std::find(done.begin(), done.end(), p_ms) != done.end()) {
        continue;
      }
      done.push_back(p_ms);
      const auto r = run_cycle(params, p_ms, running);
      const double bound = std::ceil(std::log2(static_cast<double>(d_ms) / initial_ms)) +
                           static_cast<double>(d_ms) / max_ms + 2;
      const double det_bound = std::max<double>(initial_ms, 0.1 * d_ms);
      const std::int64_t vendor = (d_ms + 1999) / 2000;
      const std::int64_t vendor_det = vendor * 2000 - d_ms;
      const bool ok = r.outcome == "completed" && r.describes <= bound &&
                      static_cast<double>(r.detection_ms) <= det_bound;
      failures += ok ? 0 : 1;
      if (as_json) {
        std::printf(
            "%s{\"duration_ms\":%lld,\"pending_ms\":%lld,\"describes\":%d,\"lists\":%d,"
            "\"refreshes\":%d,\"bound\":%.2f,\"detection_ms\":%lld,"
            "\"detection_bound_ms\":%.0f,\"vendor_describes\":%lld,"
            "\"vendor_detection_ms\":%lld,\"outcome\":\"%s\",\"ok\":%s,\"describe_at_ms\":[",
            first ? "" : ",", static_cast<long long>(d_ms), static_cast<long long>(p_ms),
            r.describes, r.lists, r.refreshes, bound, static_cast<long long>(r.detection_ms),
            det_bound, static_cast<long long>(vendor), static_cast<long long>(vendor_det),
            r.outcome.c_str(), ok ? "true" : "false");
        for (std::size_t k = 0; k < r.describe_at_ms.size(); ++k) {
          std::printf("%s%lld", k ? "," : "", static_cast<long long>(r.describe_at_ms[k]));
        }
        std::printf("]}");
      } else {
        std::printf("| %s | %s | %d | %.1f | %.1f s | %.1f s | %lld (detection %.1f s) |%s\n",
                    human(d_ms).c_str(), human(p_ms).c_str(), r.describes, bound,
                    static_cast<double>(r.detection_ms) / 1000, det_bound / 1000,
                    static_cast<long long>(vendor), static_cast<double>(vendor_det) / 1000,
                    ok ? "" : " **over a bound**");
      }
      first = false;
    }
  }
  if (as_json) {
    std::printf("],\"over_bound\":%d}\n", failures);
  }
  return 0;
}
