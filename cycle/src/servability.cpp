#include <algorithm>
#include <utility>

#include <refreshd/config/duration.hpp>
#include <refreshd/cycle/servability.hpp>

#include "backoff.hpp"

namespace refreshd::daemon {

std::string_view to_string(servability_phase p) noexcept {
  return p == servability_phase::loading ? "loading" : "indexing";
}

servability_check::servability_check(client::collection_ref target, servability_params params)
    : target_(std::move(target)), params_(params) {}

servability_action servability_check::start(const instant& now) {
  started_ = now.steady;
  poll_ = {};
  poll_.origin = now.steady;
  phase_ = servability_phase::indexing;
  pending_ = pending_request::index_list;
  return request();
}

servability_action servability_check::request() const {
  switch (pending_) {
    case pending_request::index_list:
      return index_list_action{target_};
    case pending_request::index_describe:
      return index_describe_action{target_, indexes_[current_].name};
    case pending_request::load_state:
      break;
  }
  return load_state_action{target_};
}

servability_action servability_check::on_timer(const instant& now) {
  if (timed_out(now)) {
    return gave_up("not servable " + config::format_duration(params_.timeout) +
                   " after the refresh completed (" + std::string(to_string(phase_)) + ")");
  }
  return request();
}

bool servability_check::timed_out(const instant& now) const {
  return now.steady - started_ >= params_.timeout;
}

servability_result servability_check::gave_up(std::string why) const {
  return servability_result{servability_result::kind::gave_up, std::move(why), std::nullopt};
}

servability_action servability_check::after_error(const client::api_error& e, const instant& now) {
  if (e.kind == client::error_class::unsupported) {
    return servability_result{servability_result::kind::degraded, client::describe_error(e), e};
  }
  if (!client::is_retryable(e)) {
    servability_result r{servability_result::kind::gave_up, client::describe_error(e), e};
    if (e.kind == client::error_class::not_found && phase_ == servability_phase::loading) {
      r.what = servability_result::kind::not_loaded;
    }
    return r;
  }
  ++error_streak_;
  const auto delay =
      detail::backoff(error_streak_, params_.error_backoff_initial, params_.error_backoff_max);
  if (timed_out(now)) {
    servability_result r = gave_up(client::describe_error(e));
    r.error = e;
    return r;
  }
  return servability_wait{now.steady + delay};
}

servability_action servability_check::poll_later(const instant& now) {
  poll_.record(poll_sample{now.steady, client::job_state::in_progress, progress_});
  const auto d = next_poll_delay(poll_, params_.poll);
  poll_.note_delay(d);
  return servability_wait{now.steady + d};
}

servability_action servability_check::on_index_list(
    const client::api_result<std::vector<std::string>>& r, const instant& now) {
  if (!r) {
    return after_error(r.error(), now);
  }
  error_streak_ = 0;
  indexes_.clear();
  for (const auto& name : *r) {
    indexes_.push_back(index_progress{name});
  }
  current_ = 0;
  if (indexes_.empty()) {
    return indexes_done(now);  // nothing to build
  }
  pending_ = pending_request::index_describe;
  return request();
}

void servability_check::record_index(const client::index_info& i) {
  auto& p = indexes_[current_];
  // Caught up: Finished with no pending rows. A server that does not report pendingRows is
  // taken at its state (docs/CYCLE.md "ready_when").
  p.caught_up = i.state == client::index_state::finished && i.pending_rows.value_or(0) == 0;
  if (i.total_rows) {
    p.total = *i.total_rows;
    p.indexed = i.indexed_rows.value_or(*i.total_rows - i.pending_rows.value_or(*i.total_rows));
  }
  std::int64_t indexed = 0;
  std::int64_t total = 0;
  for (const auto& x : indexes_) {
    indexed += x.caught_up && x.total == 0 ? 1 : std::clamp<std::int64_t>(x.indexed, 0, x.total);
    total += x.caught_up && x.total == 0 ? 1 : x.total;
  }
  progress_ = total > 0 ? static_cast<int>(100 * indexed / total) : 0;
}

servability_action servability_check::on_index_describe(
    const client::api_result<std::vector<client::index_info>>& r, const instant& now) {
  if (!r) {
    return after_error(r.error(), now);
  }
  error_streak_ = 0;
  const auto& name = indexes_[current_].name;
  const auto it = std::find_if(r->begin(), r->end(),
                               [&](const client::index_info& i) { return i.name == name; });
  if (it == r->end()) {
    indexes_[current_].caught_up = true;  // dropped meanwhile: nothing left to wait for
  } else if (it->state == client::index_state::failed) {
    return servability_result{
        servability_result::kind::failed,
        it->fail_reason.empty() ? "index " + name + " failed (no reason given)" : it->fail_reason,
        std::nullopt};
  } else {
    record_index(*it);
  }
  return next_index(now);
}

servability_action servability_check::next_index(const instant& now) {
  // The next index not caught up after this one; a full round ends in a wait.
  for (std::size_t k = current_ + 1; k < indexes_.size(); ++k) {
    if (!indexes_[k].caught_up) {
      current_ = k;
      return request();
    }
  }
  const auto first = std::find_if(indexes_.begin(), indexes_.end(),
                                  [](const index_progress& p) { return !p.caught_up; });
  if (first == indexes_.end()) {
    return indexes_done(now);
  }
  current_ = static_cast<std::size_t>(first - indexes_.begin());
  if (timed_out(now)) {
    return gave_up("indexes not caught up " + config::format_duration(params_.timeout) +
                   " after the refresh completed (" + std::to_string(progress_) + " %)");
  }
  return poll_later(now);
}

servability_action servability_check::indexes_done(const instant& now) {
  if (params_.until != config::ready_condition::loaded) {
    return servability_result{servability_result::kind::ready, {}, std::nullopt};
  }
  phase_ = servability_phase::loading;
  pending_ = pending_request::load_state;
  progress_ = 0;
  poll_ = {};
  poll_.origin = now.steady;
  return request();
}

servability_action servability_check::on_load_state(const client::api_result<client::load_info>& r,
                                                    const instant& now) {
  if (!r) {
    return after_error(r.error(), now);
  }
  error_streak_ = 0;
  switch (r->state) {
    case client::load_state::loaded:
      progress_ = 100;
      return servability_result{servability_result::kind::ready, {}, std::nullopt};
    case client::load_state::not_load:
    case client::load_state::not_exist:
      return servability_result{servability_result::kind::not_loaded,
                                "ready_when is loaded, but the collection is " + r->state_text +
                                    ": load it, or set ready_when to indexed",
                                std::nullopt};
    case client::load_state::loading:
    case client::load_state::unknown:
      break;
  }
  progress_ = r->progress.value_or(progress_);
  if (timed_out(now)) {
    return gave_up("not loaded " + config::format_duration(params_.timeout) +
                   " after the refresh completed (" + std::to_string(progress_) + " %)");
  }
  return poll_later(now);
}

}  // namespace refreshd::daemon
