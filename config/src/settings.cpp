#include "settings.hpp"

#include "schedule_shape.hpp"

namespace refreshd::config::detail {
namespace {

template <class T>
void set(located<T>& field, const entry& e, std::optional<T> value) {
  field.present = true;
  field.pos = e.value_pos;
  field.path = e.path;
  field.value = std::move(value);
}

template <class T>
void take(const located<T>& from, T& to) {
  if (from.value) {
    to = *from.value;
  }
}

std::optional<std::string> read_schedule(reader& r, const entry& e) {
  std::optional<std::string> text = r.string(e);
  if (!text) {
    return std::nullopt;
  }
  const schedule_checker& check = r.options().check_schedule;
  std::optional<std::string> problem;
  if (text->empty()) {
    problem = "empty schedule";
  } else {
    problem = check ? check(*text) : basic_schedule_check(*text);
  }
  if (problem) {
    r.error(e.value_pos, e.path, "invalid schedule: " + *problem);
    return std::nullopt;
  }
  return text;
}

std::optional<std::string> read_timezone(reader& r, const entry& e) {
  std::optional<std::string> name = r.string(e);
  if (!name) {
    return std::nullopt;
  }
  if (auto problem = check_timezone(*name)) {
    r.error(e.value_pos, e.path, *problem);
    return std::nullopt;
  }
  return name;
}

void read_poll(reader& r, const entry& e, settings_layer& layer) {
  for (const entry& p : r.entries(e.value, e.value_pos, e.path, poll_keys)) {
    auto& field = p.key == "initial" ? layer.poll_initial : layer.poll_max;
    set(field, p, r.duration_value(p, duration{1}));
  }
}

constexpr std::array<std::string_view, 2> jitter_modes{"random", "fixed"};

// A level sets either `schedule` or `target_lag` (docs/SCHEDULES.md "target_lag"): reported at
// the second of the two read.
template <class T>
void exclusive_with_schedule(reader& r, const entry& e, const located<T>& other) {
  if (other.present) {
    r.error(e.key_pos, e.path,
            "set either 'schedule' or 'target_lag' here, not both (target_lag replaces the "
            "schedule)");
  }
}
constexpr std::array<std::string_view, 3> ready_conditions{"completed", "indexed", "loaded"};

}  // namespace

bool read_setting(reader& r, const entry& e, settings_layer& layer) {
  const std::string_view k = e.key;
  if (k == "schedule") {
    set(layer.schedule, e, read_schedule(r, e));
    exclusive_with_schedule(r, e, layer.target_lag);
  } else if (k == "timezone") {
    set(layer.timezone, e, read_timezone(r, e));
  } else if (k == "jitter") {
    set(layer.jitter, e, r.duration_value(e, duration{0}));
  } else if (k == "jitter_mode") {
    const auto i = r.choice(e, jitter_modes);
    set(layer.jitter_mode, e,
        i ? std::optional(*i == 0 ? jitter_kind::random : jitter_kind::fixed) : std::nullopt);
  } else if (k == "catch_up") {
    set(layer.catch_up, e, r.boolean(e));
  } else if (k == "starting_deadline") {
    set(layer.starting_deadline, e, r.duration_value(e, duration{0}));
  } else if (k == "pending_timeout") {
    set(layer.pending_timeout, e, r.duration_value(e, duration{1}));
  } else if (k == "timeout") {
    set(layer.timeout, e, r.duration_value(e, duration{1}));
  } else if (k == "retries") {
    const auto n = r.integer(e, 0, 100);
    set(layer.retries, e, n ? std::optional(static_cast<int>(*n)) : std::nullopt);
  } else if (k == "retry_backoff") {
    set(layer.retry_backoff, e, r.duration_value(e, duration{1}));
  } else if (k == "poll") {
    read_poll(r, e, layer);
  } else if (k == "freshness_target") {
    set(layer.freshness_target, e, r.duration_value(e, duration{1}));
  } else if (k == "target_lag") {
    set(layer.target_lag, e, r.duration_value(e, duration{10'000}));
    exclusive_with_schedule(r, e, layer.schedule);
  } else if (k == "quarantine_after") {
    const auto n = r.integer(e, 0, 1000);
    set(layer.quarantine_after, e, n ? std::optional(static_cast<int>(*n)) : std::nullopt);
  } else if (k == "min_interval") {
    set(layer.min_interval, e, r.duration_value(e, duration{1'000}));
  } else if (k == "ready_when") {
    const auto i = r.choice(e, ready_conditions);
    set(layer.ready_when, e, i ? std::optional(static_cast<ready_condition>(*i)) : std::nullopt);
  } else {
    return false;
  }
  return true;
}

void apply(const settings_layer& layer, effective_settings& s) {
  collection_settings& v = s.values;
  take(layer.schedule, v.schedule);
  s.schedule_present = s.schedule_present || layer.schedule.present;
  // The more specific of schedule and target_lag wins: a level setting one drops the other.
  if (layer.schedule.value) {
    v.target_lag = duration{0};
  }
  if (layer.target_lag.value) {
    v.target_lag = *layer.target_lag.value;
  }
  take(layer.min_interval, v.min_interval);
  take(layer.timezone, v.timezone);
  take(layer.jitter, v.jitter);
  take(layer.jitter_mode, v.jitter_mode);
  take(layer.catch_up, v.catch_up);
  take(layer.starting_deadline, v.starting_deadline);
  take(layer.pending_timeout, v.pending_timeout);
  take(layer.timeout, v.timeout);
  take(layer.retries, v.retries);
  take(layer.quarantine_after, v.quarantine_after);
  take(layer.retry_backoff, v.retry_backoff);
  take(layer.freshness_target, v.freshness_target);
  take(layer.ready_when, v.ready_when);
  if (layer.poll_initial.value) {
    v.poll.initial = *layer.poll_initial.value;
    s.poll_initial = &layer.poll_initial;
    s.poll_initial_depth = layer.depth;
  }
  if (layer.poll_max.value) {
    v.poll.max = *layer.poll_max.value;
    s.poll_max = &layer.poll_max;
    s.poll_max_depth = layer.depth;
  }
}

void check_poll(reader& r, const effective_settings& s) {
  const poll_settings& p = s.values.poll;
  if (p.max >= p.initial) {
    return;
  }
  const located<duration>* at =
      s.poll_initial_depth > s.poll_max_depth ? s.poll_initial : s.poll_max;
  if (at == nullptr) {
    at = s.poll_initial != nullptr ? s.poll_initial : s.poll_max;
  }
  if (at == nullptr) {
    return;
  }
  r.error(at->pos, at->path,
          "poll.max (" + format_duration(p.max) + ") is smaller than poll.initial (" +
              format_duration(p.initial) + ")");
}

}  // namespace refreshd::config::detail
