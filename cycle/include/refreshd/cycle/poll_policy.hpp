#pragma once
// Adaptive describe polling (docs/CYCLE.md step 6; bench/RESULTS.md "API economy"). Pure: the
// caller records what each describe (or list) showed and asks for the delay until the next
// describe.
//
// The rule, for the delay d after the latest observation:
//   * first describe of a job: d = poll.initial;
//   * otherwise d = 2 x the previous delay (geometric growth), capped at poll.max;
//   * while the job is running and its progress moved at the latest observation, an estimate of
//     the remaining time from the progress rate may shorten d (never lengthen it), so the next
//     describe lands at the estimated completion ("faster while progress moves");
//   * d is always clamped to [poll.initial, poll.max]; a stuck job is polled at poll.max (the
//     cycle asks for that directly).
// Growth is at most x2 per describe, so a job of duration D costs about log2(D / poll.initial)
// describes to ramp up, then at most D / poll.max at the cap, plus the confirm and the final one.

#include <chrono>
#include <optional>

#include <refreshd/client/types.hpp>
#include <refreshd/cycle/time.hpp>

namespace refreshd::daemon {

/// Describe polling bounds (config `poll.initial` / `poll.max`). Require 0 < initial <= max.
struct poll_bounds {
  std::chrono::milliseconds initial{2000};
  std::chrono::milliseconds max{60000};
};

/// One observation of a job: when (monotonic), its state and its progress (0..100).
struct poll_sample {
  steady_time at{};
  client::job_state state = client::job_state::unknown;
  int progress = 0;
};

/// What the policy remembers about one job (constant size). Reset it for every new job.
struct poll_history {
  /// When the job started, on the monotonic clock: the trigger time for a job this daemon
  /// started, or the server's startTime translated to the monotonic clock for an adopted one.
  /// Used for a rate estimate before two running observations exist.
  std::optional<steady_time> origin;
  /// When the job was seen to leave Pending: the midpoint between the last Pending and the first
  /// running observation (set by record). Preferred over `origin`, which includes the pending time.
  std::optional<steady_time> running_origin;
  std::optional<poll_sample> first_running;  ///< first observation while running (the anchor)
  std::optional<poll_sample> last;           ///< latest observation
  std::optional<poll_sample> previous;       ///< the observation before `last`
  steady_time value_since{};  ///< first observation showing the current state and progress
  std::chrono::milliseconds last_delay{0};  ///< the delay used after `previous` (0: none yet)

  /// Records an observation. Observations must come in time order.
  void record(const poll_sample& s);
  /// Records the delay actually waited before the next observation (for the geometric growth).
  void note_delay(std::chrono::milliseconds d) { last_delay = d; }
  /// True when the latest observation showed a higher progress than the one before it.
  [[nodiscard]] bool moved() const noexcept;
};

/// Estimated time until the job completes, from the progress rate; nullopt when no estimate is
/// possible (not running, no progress seen yet, no usable time span). Uses the progress gained
/// since the first running observation when that gain is at least 4 points, else the progress
/// since `running_origin` (or `origin`), counting the current value as its midpoint (integer
/// progress is truncated).
std::optional<std::chrono::milliseconds> estimate_remaining(const poll_history& h);

/// The delay from the latest observation to the next describe, in [b.initial, b.max].
std::chrono::milliseconds next_poll_delay(const poll_history& h, const poll_bounds& b);

}  // namespace refreshd::daemon
