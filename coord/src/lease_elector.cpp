#include <utility>

#include <boost/asio/this_coro.hpp>

#include <refreshd/coord/lease_elector.hpp>

namespace refreshd::coord {

lease_elector::lease_elector(executor ex, kube_lease_client& api, std::string identity,
                             election_timings timings)
    : api_(api), timer_(std::move(ex)), identity_(std::move(identity)), timings_(timings) {}

void lease_elector::stop_leading(const std::string& why) {
  if (leader_) {
    leader_ = false;
    ++lost_;
    if (on_stopped_leading) {
      on_stopped_leading(why);
    }
  }
}

awaitable<bool> lease_elector::try_acquire_or_renew() {
  auto read = co_await api_.get();
  if (std::holds_alternative<kube_error>(read)) {
    co_return false;  // no answer or an error: not renewed this round
  }
  std::optional<lease_observation> observed;
  if (const auto& l = std::get<std::optional<kube_lease>>(read)) {
    observed = lease_observation{l->spec, l->resource_version, {}};
  }
  const std::string now_text = micro_time_now();
  const election_step step = next_election_step(observed, seen_, identity_, timings_.lease_duration,
                                                clock::now(), now_text);
  if (step.what == election_step::action::wait) {
    if (leader_) {
      stop_leading("another candidate holds the Lease");
    }
    co_return false;
  }
  kube_result<kube_lease> written = kube_error{};
  if (step.what == election_step::action::create) {
    written = co_await api_.create(step.spec);
  } else {
    written = co_await api_.update(step.spec, step.resource_version);
  }
  if (const auto* l = std::get_if<kube_lease>(&written)) {
    held_ = *l;
    seen_.spec = l->spec;
    seen_.resource_version = l->resource_version;
    seen_.observed_at = clock::now();
    co_return true;
  }
  co_return false;  // 409: another candidate won this round; else no answer
}

awaitable<void> lease_elector::run() {
  while (!stopped_) {
    const auto started = clock::now();
    const bool held = co_await try_acquire_or_renew();
    if (stopped_) {
      break;
    }
    if (held) {
      ++renewals_;
      if (leader_ && !leading(started)) {
        // The lead lapsed before this renewal was sent (cycles stopped, slots passed): lead
        // again from scratch, so the collections are reconciled and missed slots caught up.
        stop_leading("the Lease was renewed only after the renew deadline");
      }
      renewed_ = started;  // counted from before the request: never later than the API saw it
      if (!leader_) {
        leader_ = true;
        ++acquired_;
        if (on_started_leading) {
          on_started_leading();
        }
      }
    } else {
      ++failures_;
      if (leader_ && !leading(clock::now())) {
        stop_leading("the Lease could not be renewed within the renew deadline");
      }
    }
    timer_.expires_after(timings_.retry_period);
    (void)co_await timer_.async_wait(use_nothrow);
  }
  if (leader_) {
    // client-go's ReleaseOnCancel: no holder, so a standby takes it at its next attempt.
    leader_ = false;
    lease_spec spec = released(held_.spec, micro_time_now());  // named: g++ 12, co_await
    std::string version = held_.resource_version;
    auto r = co_await api_.update(std::move(spec), std::move(version));
    (void)r;
  }
}

void lease_elector::stop() {
  stopped_ = true;
  timer_.cancel();
}

awaitable<bool> lease_elector::confirm() {
  // An API server that does not answer is not a refusal: ask again while this replica leads,
  // so the trigger is late rather than lost (as the etcd fence does).
  auto ex = co_await net::this_coro::executor;
  net::steady_timer pause(ex);
  for (;;) {
    if (!leading(clock::now()) || stopped_ || confirms_cancelled_) {
      ++refusals_;
      co_return false;
    }
    auto read = co_await api_.get();
    if (const auto* l = std::get_if<std::optional<kube_lease>>(&read)) {
      // Only the holder writes its identity: a standby that took over would have its own.
      const bool ok = l->has_value() && (*l)->spec.holder == identity_ && leading(clock::now());
      refusals_ += ok ? 0 : 1;
      co_return ok;
    }
    pause.expires_after(timings_.retry_period / 4);
    (void)co_await pause.async_wait(use_nothrow);
  }
}

void lease_elector::cancel_confirms() noexcept {
  confirms_cancelled_ = true;
}

}  // namespace refreshd::coord
