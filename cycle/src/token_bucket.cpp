#include <algorithm>
#include <cmath>

#include <refreshd/cycle/token_bucket.hpp>

namespace refreshd::daemon {
namespace {

double seconds_between(steady_time from, steady_time to) {
  return std::chrono::duration<double>(to - from).count();
}

// Floating-point refills may land a hair below a whole token exactly at available_at().
constexpr double epsilon = 1e-9;

}  // namespace

token_bucket::token_bucket(token_bucket_options options, steady_time now)
    : options_(options),
      rate_(options.rate > 0 ? options.rate : 0.0),
      tokens_(0),
      last_refill_(now),
      next_pause_(options.pause) {
  tokens_ = capacity();
}

double token_bucket::capacity() const noexcept {
  return rate_ <= 0 ? 1.0 : std::max(1.0, rate_);
}

void token_bucket::update(steady_time now) {
  if (now <= last_refill_) {
    return;
  }
  if (rate_ > 0) {
    const auto start = std::max(last_refill_, paused_until_);
    if (now > start) {
      tokens_ = std::min(capacity(), tokens_ + seconds_between(start, now) * rate_);
    }
  }
  last_refill_ = now;
  while (backing_off_ && now - last_change_ >= options_.recovery_step) {
    last_change_ += options_.recovery_step;
    next_pause_ = options_.pause;
    rate_ *= options_.recovery_factor;
    if (options_.rate > 0 && rate_ >= options_.rate) {
      rate_ = options_.rate;
      backing_off_ = false;
    } else if (options_.rate <= 0 && rate_ >= 2 * options_.unlimited_fallback_rate) {
      rate_ = 0;
      backing_off_ = false;
    }
    tokens_ = std::min(tokens_, capacity());
  }
}

bool token_bucket::try_take(steady_time now) {
  update(now);
  if (rate_ <= 0) {
    return true;
  }
  if (now < paused_until_ || tokens_ + epsilon < 1.0) {
    return false;
  }
  tokens_ = std::max(0.0, tokens_ - 1.0);
  return true;
}

steady_time token_bucket::available_at(steady_time now) {
  update(now);
  if (rate_ <= 0) {
    return now;
  }
  const auto start = std::max(now, paused_until_);
  if (tokens_ + epsilon >= 1.0) {
    return start;
  }
  const double wait_s = (1.0 - tokens_) / rate_;
  const auto wait =
      std::chrono::ceil<std::chrono::microseconds>(std::chrono::duration<double>(wait_s));
  return start + wait;
}

void token_bucket::on_rate_limited(steady_time now, steady_time sent_at) {
  update(now);
  if (backing_off_ && sent_at < last_reaction_) {
    return;
  }
  rate_ = rate_ <= 0 ? options_.unlimited_fallback_rate : std::max(options_.min_rate, rate_ / 2);
  tokens_ = 0;
  paused_until_ = std::max(paused_until_, now + next_pause_);
  next_pause_ = std::min(options_.max_pause, next_pause_ * 2);
  backing_off_ = true;
  last_change_ = now;
  last_reaction_ = now;
}

void token_bucket::set_rate(double rate, steady_time now) {
  update(now);
  options_.rate = rate;
  if (!backing_off_) {
    rate_ = rate > 0 ? rate : 0.0;
  } else if (rate > 0 && (rate_ <= 0 || rate_ > rate)) {
    rate_ = rate;
  }
  tokens_ = std::min(tokens_, capacity());
}

}  // namespace refreshd::daemon
