#include <utility>
#include <variant>

#include <refreshd/cycle/admin_requests.hpp>

namespace refreshd::daemon {

namespace {

using kind = admin_refresh_result::kind;

bool job_active(const std::optional<job_snapshot>& j) {
  return j && !client::is_terminal(j->state);
}

/// The answer of cycle event `e` of `c`, or nullopt when `e` answers nothing.
std::optional<admin_refresh_result> event_answer(const collection_runtime& c,
                                                 const cycle_event& e) {
  if (std::holds_alternative<events::triggered>(e)) {
    auto r = make_admin_result(kind::triggered, "refresh triggered");
    r.job = c.state.job;
    return r;
  }
  if (const auto* a = std::get_if<events::adopted>(&e)) {
    admin_refresh_result r;
    r.job = a->job;
    if (a->reason == adopt_reason::ambiguous) {
      r.what = kind::triggered;  // our own attempt, confirmed by the list
      r.message = "refresh triggered (confirmed by a list after an ambiguous answer)";
    } else {
      r.what = kind::already_running;
      r.message = "a refresh job is already running (" + std::string(to_string(a->reason)) + ")";
    }
    return r;
  }
  if (const auto* f = std::get_if<events::api_failure>(&e)) {
    auto r = make_admin_result(kind::failed, client::describe_error(f->error));
    r.error = f->error;
    if (client::is_retryable(f->error)) {
      r.message += "; the cycle retries with backoff";
    }
    return r;
  }
  return std::nullopt;
}

}  // namespace

admin_refresh_result make_admin_result(admin_refresh_result::kind k, std::string message) {
  admin_refresh_result r;
  r.what = k;
  r.message = std::move(message);
  return r;
}

admin_requests::handle admin_requests::add(std::weak_ptr<const collection_runtime> c, bool joined,
                                           std::function<void()> wake) {
  return requests_.insert(requests_.end(),
                          request{std::move(c), joined, std::nullopt, std::move(wake)});
}

template <class Make>
void admin_requests::answer_open(const collection_runtime& c, Make make) {
  for (request& r : requests_) {
    if (r.result || r.collection.lock().get() != &c) {
      continue;
    }
    std::optional<admin_refresh_result> answer = make();
    if (!answer) {
      return;  // the same for every request of `c`
    }
    r.result = std::move(answer);
    if (r.wake) {
      r.wake();
    }
  }
}

void admin_requests::on_event(const collection_runtime& c, const cycle_event& e) {
  answer_open(c, [&] { return event_answer(c, e); });
}

void admin_requests::on_outcome(const collection_runtime& c, const cycle_outcome& o) {
  answer_open(c, [&] {
    auto r = make_admin_result(kind::failed,
                               o.message.empty() ? std::string(to_string(o.kind)) : o.message);
    r.error = o.error;
    r.job = o.job;
    return std::optional<admin_refresh_result>(std::move(r));
  });
}

void admin_requests::resolve(const collection_runtime& c, const admin_refresh_result& r) {
  answer_open(c, [&] { return std::optional<admin_refresh_result>(r); });
}

void admin_requests::wake_all() const {
  for (const request& r : requests_) {
    if (r.wake) {
      r.wake();
    }
  }
}

admin_refresh_result admin_requests::answer(const request& req) {
  admin_refresh_result r = req.result.value_or(admin_refresh_result{});
  if (req.joined && r.what != kind::already_running) {
    r.what = kind::already_running;
    r.error.reset();
    r.message = "a refresh cycle of this collection is already in progress";
    if (!job_active(r.job)) {
      r.job.reset();
    }
  }
  return r;
}

}  // namespace refreshd::daemon
