#include <refreshd/schedule/duration.hpp>
#include <refreshd/schedule/schedule.hpp>

#include "text.hpp"

namespace refreshd::schedule {
namespace {

// "every D" / "after D": D must be whole seconds (slots are whole seconds) and positive.
result<std::chrono::seconds> parse_interval(std::string_view keyword, std::string_view what,
                                            std::string_view rest) {
  const std::string prefix = std::string(keyword) + ": ";
  if (rest.empty()) {
    return parse_error{prefix + "missing duration (e.g. \"" + std::string(keyword) + " 30m\")"};
  }
  if (detail::find_space(rest) != std::string_view::npos) {
    return parse_error{prefix + "expected one duration, got \"" + std::string(rest) + "\""};
  }
  auto duration = parse_duration(rest);
  if (!duration) {
    return parse_error{prefix + duration.error()};
  }
  if (duration->count() < 1000 || duration->count() % 1000 != 0) {
    return parse_error{prefix + "the " + std::string(what) +
                       " must be a whole number of seconds, at least 1s (got " +
                       format_duration(*duration) + ")"};
  }
  return std::chrono::duration_cast<std::chrono::seconds>(*duration);
}

}  // namespace

result<schedule> parse_schedule(std::string_view text) {
  text = detail::trim(text);
  if (text.empty()) {
    return parse_error{"empty schedule (write a cron expression, \"every D\" or \"after D\")"};
  }
  const auto space = detail::find_space(text);
  const auto head = text.substr(0, space);
  const auto rest =
      space == std::string_view::npos ? std::string_view{} : detail::trim(text.substr(space));
  if (detail::iequals(head, "every")) {
    auto interval = parse_interval("every", "interval", rest);
    if (!interval) {
      return parse_error{interval.error()};
    }
    return schedule{every_spec{*interval}, std::string(text)};
  }
  if (detail::iequals(head, "after")) {
    auto delay = parse_interval("after", "delay", rest);
    if (!delay) {
      return parse_error{delay.error()};
    }
    return schedule{after_spec{*delay}, std::string(text)};
  }
  auto cron = parse_cron(text);
  if (!cron) {
    return parse_error{cron.error()};
  }
  return schedule{std::move(cron).value(), std::string(text)};
}

std::string_view to_string(dst_mark mark) noexcept {
  switch (mark) {
    case dst_mark::gap:
      return "dst-gap";
    case dst_mark::repeated:
      return "dst-repeated";
    case dst_mark::none:
      break;
  }
  return "none";
}

sys_seconds next_every_slot(const every_spec& spec, sys_seconds after,
                            std::chrono::seconds offset) {
  const std::int64_t interval = spec.interval.count();
  if (interval <= 0) {
    return after + std::chrono::seconds{1};  // not produced by parse_schedule; stay total
  }
  const std::int64_t since = (after.time_since_epoch() - offset).count();
  std::int64_t k = since / interval;
  if (since % interval != 0 && since < 0) {
    --k;  // floor division
  }
  return sys_seconds{std::chrono::seconds{(k + 1) * interval} + offset};
}

sys_seconds next_after_slot(const after_spec& spec, std::optional<sys_seconds> last_end,
                            sys_seconds now) {
  return last_end ? *last_end + spec.delay : now;
}

std::optional<slot> next_slot(const schedule& s, const date::time_zone* zone, sys_seconds after) {
  switch (s.kind()) {
    case schedule_kind::cron:
      return next_cron_slot(*s.cron(), zone, after);
    case schedule_kind::every:
      return slot{next_every_slot(std::get<every_spec>(s.spec), after), dst_mark::none};
    case schedule_kind::after:
      break;
  }
  return std::nullopt;
}

std::vector<slot> upcoming_slots(const schedule& s, const date::time_zone* zone, sys_seconds after,
                                 std::size_t count) {
  std::vector<slot> out;
  out.reserve(count);
  for (auto next = next_slot(s, zone, after); next && out.size() < count;
       next = next_slot(s, zone, next->at)) {
    out.push_back(*next);
  }
  return out;
}

}  // namespace refreshd::schedule
