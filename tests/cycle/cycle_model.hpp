#pragma once
// A randomized model of the refresh-job server for the refresh-cycle property tests: jobs that
// go Pending → InProgress → Completed/Failed over time, one active job per collection, every
// duplicate policy, dropped triggers, ambiguous failures (the job may or may not exist), every
// error class, vanishing jobs, another actor starting jobs, and a server that ignores the list
// filter. It records what the invariant checks need.

#include <algorithm>
#include <random>

#include "cycle_harness.hpp"

namespace refreshd::daemon::cycle_testing {

enum class dup_policy { reject_in_progress, reject_703, same_id, legacy_drop };

struct model_settings {
  dup_policy duplicates = dup_policy::reject_in_progress;
  double error_rate = 0.1;         ///< retryable error on any request
  double fatal_rate = 0.002;       ///< a permanent error class on any request
  double ambiguous_rate = 0.1;     ///< refresh: maybe_sent failure (job created half the time)
  double drop_rate = 0.05;         ///< refresh: id returned, job never persisted
  double vanish_rate = 0.01;       ///< describe: the job disappears (server restart)
  double not_found_glitch = 0.02;  ///< describe: "not found" although the job exists
  double other_actor_rate = 0.05;  ///< per timer: another actor starts a job if none is active
  double fail_rate = 0.3;          ///< a job ends Failed
  double stall_rate = 0.2;         ///< a job sits at 99 % for the second half of its run
  milliseconds max_job = 20min;    ///< job durations are uniform in (0, max_job]
};

struct model_job {
  std::int64_t id = 0;
  std::string collection;
  steady_time created{};
  std::int64_t start_ms = 0;
  milliseconds pending{0};
  milliseconds running{0};
  bool fails = false;
  bool stalls = false;
  bool ours = false;
  bool gone = false;
};

class server_model {
 public:
  server_model(model_settings s, std::uint64_t seed) : s_(s), rng_(seed) {
    // A job of another collection that stays active: must never block or be adopted.
    add_job(false, "ext_other", instant{}, 1000h);
  }

  [[nodiscard]] bool chance(double p) { return std::uniform_real_distribution<>(0, 1)(rng_) < p; }

  client::job_info info(const model_job& j, const instant& now) const {
    const auto age = now.steady - j.created;
    client::job_info i = job(j.id, job_state::pending, 0, j.start_ms, 0, j.collection);
    i.reason.reset();
    if (age >= j.pending + j.running) {
      i.state = j.fails ? job_state::failed : job_state::completed;
      i.progress = j.fails ? 40 : 100;
      i.end_time_ms = j.start_ms + (j.pending + j.running).count();
      if (j.fails) {
        i.reason = "explore external files failed: NoSuchBucket";
      }
    } else if (age >= j.pending) {
      i.state = job_state::in_progress;
      const auto ran = std::chrono::duration_cast<milliseconds>(age - j.pending);
      const auto scale = j.stalls ? j.running / 2 : j.running;
      i.progress = static_cast<int>(std::min<std::int64_t>(99, 100 * ran / scale));
    }
    i.state_text = std::string(client::to_string(i.state));
    return i;
  }

  const model_job* active(const std::string& collection, const instant& now) const {
    for (const auto& j : jobs_) {
      if (!j.gone && j.collection == collection && !client::is_terminal(info(j, now).state)) {
        return &j;
      }
    }
    return nullptr;
  }

  model_job& add_job(bool ours, std::string collection, const instant& now,
                     std::optional<milliseconds> pending_for = std::nullopt) {
    model_job j;
    j.id = next_id_ += 2;
    j.collection = std::move(collection);
    j.created = now.steady;
    j.start_ms = now.wall.time_since_epoch().count();
    std::uniform_int_distribution<std::int64_t> dur(1, s_.max_job.count());
    j.pending = pending_for.value_or(milliseconds(dur(rng_) / 5));
    j.running = milliseconds(dur(rng_));
    j.fails = chance(s_.fail_rate);
    j.stalls = chance(s_.stall_rate);
    j.ours = ours;
    jobs_.push_back(j);
    if (ours) {
      ++ours_created_;
    }
    return jobs_.back();
  }

  client::api_error random_error(bool maybe_sent) {
    if (chance(s_.fatal_rate / std::max(s_.error_rate, 1e-9))) {
      static constexpr error_class fatal[] = {error_class::unsupported,
                                              error_class::unauthenticated, error_class::not_found,
                                              error_class::invalid};
      return error(fatal[rng_() % 4], "permanent");
    }
    static constexpr error_class retryable[] = {error_class::transient, error_class::rate_limited,
                                                error_class::bad_response};
    return error(retryable[rng_() % 3], "flaky", maybe_sent);
  }

  list_result on_list(const std::string& collection, const instant& now) {
    ++calls_;
    if (chance(s_.error_rate)) {
      return random_error(false);
    }
    std::vector<client::job_info> out;
    for (const auto& j : jobs_) {
      if (j.gone) {
        continue;
      }
      // Eventual consistency: another actor's brand-new job may not be listed yet.
      if (!j.ours && j.collection == collection && now.steady - j.created < 1s && chance(0.5)) {
        hidden_ = true;
        continue;
      }
      out.push_back(info(j, now));
    }
    std::sort(out.begin(), out.end(),
              [](const auto& a, const auto& b) { return a.start_time_ms > b.start_time_ms; });
    return out;
  }

  refresh_result on_refresh(const std::string& collection, const instant& now) {
    ++calls_;
    if (const model_job* a = active(collection, now)) {
      ++overlaps_;
      overlaps_ours_ += a->ours ? 1 : 0;
      switch (s_.duplicates) {
        case dup_policy::reject_in_progress:
          return error(error_class::duplicate, "a refresh job is already in progress");
        case dup_policy::reject_703:
          return error(error_class::duplicate, "refresh job is already in progress");
        case dup_policy::same_id:
          return new_id(a->id);
        case dup_policy::legacy_drop:
          return new_id(next_id_ += 2);
      }
    }
    if (chance(s_.error_rate)) {
      return random_error(false);
    }
    if (chance(s_.ambiguous_rate)) {
      if (chance(0.5)) {
        add_job(true, collection, now);
      }
      return error(chance(0.5) ? error_class::transient : error_class::bad_response,
                   "no answer after sending", true);
    }
    if (chance(s_.drop_rate)) {
      return new_id(next_id_ += 2);
    }
    return new_id(add_job(true, collection, now).id);
  }

  describe_result on_describe(client::job_id id, const instant& now) {
    ++calls_;
    if (chance(s_.error_rate)) {
      return random_error(false);
    }
    for (auto& j : jobs_) {
      if (j.id != id.value || j.gone) {
        continue;
      }
      if (chance(s_.vanish_rate)) {
        j.gone = true;
        ours_vanished_ += j.ours ? 1 : 0;
        break;
      }
      if (chance(s_.not_found_glitch)) {
        break;
      }
      return info(j, now);
    }
    return error(error_class::job_not_found, "refresh job not found");
  }

  void on_time_passes(const std::string& collection, const instant& now) {
    if (chance(s_.other_actor_rate) && active(collection, now) == nullptr) {
      add_job(false, collection, now);
    }
  }

  int calls_ = 0;
  int ours_created_ = 0;
  int ours_vanished_ = 0;  ///< lost by the server (restart): indistinguishable from a drop
  int overlaps_ = 0;
  int overlaps_ours_ = 0;
  bool hidden_ = false;

 private:
  model_settings s_;
  std::mt19937_64 rng_;
  std::vector<model_job> jobs_;
  std::int64_t next_id_ = 449503829274509301;
};

}  // namespace refreshd::daemon::cycle_testing
