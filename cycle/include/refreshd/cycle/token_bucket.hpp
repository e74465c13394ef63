#pragma once
// The per-cluster request budget of docs/CYCLE.md step 9: a token bucket with adaptive backoff.
// Pure: every method takes the current monotonic time, so tests drive it with made-up time points.

#include <chrono>

#include <refreshd/cycle/time.hpp>

namespace refreshd::daemon {

struct token_bucket_options {
  /// Configured rate in requests per second, all endpoints together (config `rate_limit`).
  /// 0 (or negative) = unlimited until the server answers "rate limited".
  double rate = 20.0;
  /// Effective rate the first rate-limited answer sets when `rate` is unlimited.
  double unlimited_fallback_rate = 50.0;
  /// The effective rate never drops below this (requests per second).
  double min_rate = 0.1;
  /// Pause after a rate-limited answer: `pause`, doubled for every further rate-limited answer
  /// that arrives before the rate has recovered, at most `max_pause`.
  std::chrono::milliseconds pause{1000};
  std::chrono::milliseconds max_pause{30000};
  /// Recovery: after every `recovery_step` without a rate-limited answer the effective rate grows
  /// by `recovery_factor`, up to the configured rate (an unlimited bucket becomes unlimited again
  /// once the rate passes 2 x unlimited_fallback_rate).
  std::chrono::milliseconds recovery_step{5000};
  double recovery_factor = 1.5;
};

/// A token bucket holding at most max(1, effective rate) tokens (one second of budget), refilled
/// continuously at the effective rate. A rate-limited answer halves the effective rate, empties
/// the bucket and pauses it (see token_bucket_options); the rate then recovers gradually.
class token_bucket {
 public:
  explicit token_bucket(token_bucket_options options, steady_time now);

  /// Takes one token if one is available at `now`.
  bool try_take(steady_time now);
  /// The earliest time >= now at which try_take succeeds (now when a token is available).
  steady_time available_at(steady_time now);

  /// The server answered "rate limited" (codes 1807, 8, 4, HTTP 429) to a request sent at
  /// `sent_at`: halve the rate, empty the bucket and pause. An answer to a request sent before
  /// the last reaction is ignored (many requests in flight at once are one signal, not many).
  void on_rate_limited(steady_time now, steady_time sent_at);

  /// A reload changed the configured rate (<= 0: unlimited). Outside a backoff the new rate
  /// applies at once; during a backoff the effective rate never rises above the new one and
  /// recovers towards it.
  void set_rate(double rate, steady_time now);
  /// The configured rate (<= 0: unlimited).
  double configured_rate() const noexcept { return options_.rate; }

  /// True while no limit applies (configured unlimited and never rate limited, or recovered).
  bool unlimited() const noexcept { return rate_ <= 0; }
  /// Effective requests per second (0 when unlimited).
  double rate() const noexcept { return rate_; }
  /// End of the current pause (a time in the past when not paused).
  steady_time paused_until() const noexcept { return paused_until_; }
  /// Tokens available at the last update (may be fractional).
  double tokens() const noexcept { return tokens_; }

 private:
  void update(steady_time now);
  double capacity() const noexcept;

  token_bucket_options options_;
  double rate_;  ///< effective rate; <= 0 means unlimited
  double tokens_;
  steady_time last_refill_;
  steady_time paused_until_{};
  steady_time last_change_{};    ///< last reaction or recovery step
  steady_time last_reaction_{};  ///< last on_rate_limited that changed the rate
  bool backing_off_ = false;     ///< the rate is below the configured one
  std::chrono::milliseconds next_pause_;
};

}  // namespace refreshd::daemon
