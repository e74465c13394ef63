#include "helpers.hpp"

#include <cstdlib>
#include <iostream>
#include <sstream>

#include <refreshd/schedule/zone.hpp>

namespace refreshd::schedule::test {

std::chrono::sys_seconds utc(std::string_view text) {
  std::istringstream in{std::string(text)};
  std::chrono::sys_seconds t;
  in >> date::parse("%FT%T", t);
  if (in.fail()) {
    std::cerr << "bad UTC literal in a test: " << text << "\n";
    std::abort();
  }
  return t;
}

const date::time_zone* zone(std::string_view name) {
  auto found = find_time_zone(name);
  if (!found) {
    std::cerr << found.error() << "\n";
    std::abort();
  }
  return *found;
}

cron_expr cron(std::string_view text) {
  auto parsed = parse_cron(text);
  if (!parsed) {
    std::cerr << "bad cron literal in a test: " << parsed.error() << "\n";
    std::abort();
  }
  return std::move(parsed).value();
}

std::string describe(const slot& s, const date::time_zone* tz) {
  std::string text = format_rfc3339(s.at, tz);
  if (s.dst == dst_mark::gap) {
    text += " gap";
  } else if (s.dst == dst_mark::repeated) {
    text += " repeated";
  }
  return text;
}

std::vector<std::string> next_slots(std::string_view expr, std::string_view zone_name,
                                    std::string_view after_utc, int count) {
  const cron_expr parsed = cron(expr);
  const date::time_zone* tz = zone(zone_name);
  std::vector<std::string> out;
  auto after = utc(after_utc);
  for (int i = 0; i < count; ++i) {
    const auto next = next_cron_slot(parsed, tz, after);
    if (!next) {
      out.emplace_back("none");
      break;
    }
    out.push_back(describe(*next, tz));
    after = next->at;
  }
  return out;
}

std::string bits_text(std::uint64_t mask, int first, int last) {
  std::string text;
  for (int i = first; i <= last; ++i) {
    if ((mask >> i & 1U) != 0) {
      if (!text.empty()) {
        text += ',';
      }
      text += std::to_string(i);
    }
  }
  return text;
}

}  // namespace refreshd::schedule::test
