#pragma once
// Private: one level (defaults, cluster or collection) of collection settings, and inheritance.

#include <array>
#include <string_view>

#include <refreshd/config/config.hpp>

#include "reader.hpp"

namespace refreshd::config::detail {

/// A setting as written at one level: present (the key exists), value (when valid), where.
template <class T>
struct located {
  std::optional<T> value;
  bool present = false;
  position pos;
  std::string path;
};

struct settings_layer {
  int depth = 0;  ///< 1 defaults, 2 cluster, 3 collection: deeper wins when reporting conflicts
  located<std::string> schedule;
  located<std::string> timezone;
  located<duration> jitter;
  located<jitter_kind> jitter_mode;
  located<bool> catch_up;
  located<duration> starting_deadline;
  located<duration> pending_timeout;
  located<duration> timeout;
  located<int> retries;
  located<duration> retry_backoff;
  located<duration> poll_initial;
  located<duration> poll_max;
  located<duration> freshness_target;
  located<ready_condition> ready_when;
  located<duration> target_lag;
  located<duration> min_interval;
  located<int> quarantine_after;
};

inline settings_layer layer_at(int depth) {
  settings_layer layer;
  layer.depth = depth;
  return layer;
}

inline constexpr std::array<std::string_view, 16> settings_keys{
    "schedule",        "timezone",   "jitter",
    "jitter_mode",     "catch_up",   "starting_deadline",
    "pending_timeout", "timeout",    "retries",
    "retry_backoff",   "poll",       "freshness_target",
    "ready_when",      "target_lag", "min_interval",
    "quarantine_after"};

/// The top-level keys of a config file (one list for the loader and the cluster's hints).
inline constexpr std::array<std::string_view, 11> top_keys{
    "version", "listen",   "listen_tls", "admin",        "read_auth", "log",
    "metrics", "defaults", "clusters",   "coordination", "state_dir"};

inline constexpr std::array<std::string_view, 2> poll_keys{"initial", "max"};

/// Reads `e` into `layer` when it is a settings key (and reports its errors); false otherwise.
bool read_setting(reader& r, const entry& e, settings_layer& layer);

/// Effective settings plus which layer set poll.initial / poll.max (for conflict reports).
struct effective_settings {
  collection_settings values;
  const located<duration>* poll_initial = nullptr;
  const located<duration>* poll_max = nullptr;
  int poll_initial_depth = 0;
  int poll_max_depth = 0;
  bool schedule_present = false;
};

/// Overrides `s` with every valid value of `layer`.
void apply(const settings_layer& layer, effective_settings& s);

/// Reports poll.max < poll.initial at the more specific of the two keys.
void check_poll(reader& r, const effective_settings& s);

}  // namespace refreshd::config::detail
