#include <algorithm>
#include <cmath>

#include <refreshd/cycle/poll_policy.hpp>

namespace refreshd::daemon {

namespace {

using std::chrono::milliseconds;

// A gain this large keeps the truncation error of the two-point rate within ~25 %, and the
// estimate only ever shortens a wait, so an error costs at most one early describe.
constexpr int min_gain_for_two_point = 4;

std::optional<double> rate_per_ms(const poll_history& h) {
  const poll_sample& last = *h.last;
  if (h.first_running) {
    const poll_sample& a = *h.first_running;
    const int gain = last.progress - a.progress;
    const auto span = std::chrono::duration<double, std::milli>(last.at - a.at).count();
    if (gain >= min_gain_for_two_point && span > 0) {
      return gain / span;
    }
  }
  const auto origin = h.running_origin ? h.running_origin : h.origin;
  if (origin && last.progress > 0) {
    const auto span = std::chrono::duration<double, std::milli>(last.at - *origin).count();
    if (span > 0) {
      return (last.progress + 0.5) / span;
    }
  }
  return std::nullopt;
}

}  // namespace

void poll_history::record(const poll_sample& s) {
  if (!first_running && is_running(s.state)) {
    first_running = s;
    if (last && last->state == client::job_state::pending) {
      running_origin = last->at + (s.at - last->at) / 2;
    }
  }
  previous = last;
  if (!last || last->progress != s.progress || last->state != s.state) {
    value_since = s.at;
  }
  last = s;
}

bool poll_history::moved() const noexcept {
  return last && previous && last->progress > previous->progress;
}

std::optional<milliseconds> estimate_remaining(const poll_history& h) {
  if (!h.last || !is_running(h.last->state) || h.last->progress >= 100) {
    return std::nullopt;
  }
  const auto rate = rate_per_ms(h);
  if (!rate || *rate <= 0) {
    return std::nullopt;
  }
  // The current value stands for [p, p+1): aim at its midpoint.
  const double left = 100.0 - (h.last->progress + 0.5);
  const double ms = std::min(left / *rate, 1e12);
  return milliseconds(static_cast<std::int64_t>(std::ceil(ms)));
}

milliseconds next_poll_delay(const poll_history& h, const poll_bounds& b) {
  if (!h.last || h.last_delay <= milliseconds::zero()) {
    return b.initial;
  }
  milliseconds d = std::min(b.max, 2 * h.last_delay);
  // Only a moving job has a trustworthy rate; a stalled one (e.g. capped at 99 while the
  // server commits) keeps backing off.
  const bool fresh = !h.previous || h.moved();
  if (fresh) {
    if (const auto left = estimate_remaining(h)) {
      d = std::min(d, *left);
    }
  }
  return std::clamp(d, b.initial, b.max);
}

}  // namespace refreshd::daemon
