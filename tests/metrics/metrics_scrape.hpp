#pragma once
// A small reader of the Prometheus text format for the metrics tests: families with their TYPE
// and HELP, and every sample by its exact series text (name{labels} as serialized).

#include <cstddef>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace refreshd::test {

struct parsed_scrape {
  std::map<std::string, std::string> types;  ///< family -> counter/gauge/histogram
  std::map<std::string, std::string> help;
  std::map<std::string, double> samples;  ///< series text -> value

  static parsed_scrape parse(const std::string& text) {
    parsed_scrape p;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
      if (line.starts_with("# TYPE ") || line.starts_with("# HELP ")) {
        const auto rest = line.substr(7);
        const auto sp = rest.find(' ');
        auto& target = line[2] == 'T' ? p.types : p.help;
        target[rest.substr(0, sp)] = sp == std::string::npos ? "" : rest.substr(sp + 1);
        continue;
      }
      const auto sp = line.rfind(' ');
      if (line.empty() || line[0] == '#' || sp == std::string::npos) {
        continue;
      }
      p.samples[line.substr(0, sp)] = std::stod(line.substr(sp + 1));
    }
    return p;
  }

  /// The value of a label in every sample of a family (e.g. every `status`).
  std::set<std::string> label_values(const std::string& name, const std::string& label) const {
    std::set<std::string> out;
    const auto key = label + "=\"";
    for (const auto& [s, v] : samples) {
      if (!s.starts_with(name + "{")) {
        continue;
      }
      const auto at = s.find(key);
      if (at != std::string::npos) {
        const auto begin = at + key.size();
        out.insert(s.substr(begin, s.find('"', begin) - begin));
      }
    }
    return out;
  }
  /// The value of a series, or -1 when it is absent.
  double value(const std::string& series) const {
    const auto it = samples.find(series);
    return it == samples.end() ? -1 : it->second;
  }
  /// Samples whose series starts with `name{` or is exactly `name`.
  std::size_t count(const std::string& name) const {
    std::size_t n = 0;
    for (const auto& [series, v] : samples) {
      if (series == name || series.starts_with(name + "{")) {
        ++n;
      }
    }
    return n;
  }
};

/// name{k1="v1",k2="v2"} in the serializer's order (labels as given, no escaping needed).
inline std::string series(const std::string& name,
                          const std::vector<std::pair<std::string, std::string>>& labels) {
  std::string s = name;
  if (labels.empty()) {
    return s;
  }
  s += '{';
  bool first = true;
  for (const auto& [k, v] : labels) {
    if (!first) {
      s += ',';
    }
    first = false;
    s += k + "=\"" + v + "\"";
  }
  return s + '}';
}

}  // namespace refreshd::test
