#include "metric_catalogue.hpp"

#include <regex>

namespace refreshd::test::catalogue {

namespace {

bool is_series_name(const std::string& name) {
  if (plain_metrics.contains(name)) {
    return true;
  }
  for (const std::string_view suffix : {"_bucket", "_sum", "_count"}) {
    if (name.size() > suffix.size() && name.ends_with(suffix) &&
        histograms.contains(name.substr(0, name.size() - suffix.size()))) {
      return true;
    }
  }
  return false;
}

std::vector<std::string> split_alternatives(const std::string& pattern) {
  std::vector<std::string> out;
  std::string::size_type start = 0;
  while (true) {
    const auto bar = pattern.find('|', start);
    out.push_back(pattern.substr(start, bar - start));
    if (bar == std::string::npos) {
      return out;
    }
    start = bar + 1;
  }
}

}  // namespace

std::string family_of(std::string_view series) {
  const std::string name(series);
  for (const std::string_view suffix : {"_bucket", "_sum", "_count"}) {
    if (name.size() > suffix.size() && name.ends_with(suffix)) {
      const auto base = name.substr(0, name.size() - suffix.size());
      if (histograms.contains(base)) {
        return base;
      }
    }
  }
  return name;
}

std::vector<std::string> metric_names_in(std::string_view text) {
  static const std::regex name_re(
      R"((?:^|[^A-Za-z0-9_:])((?:milvus_refresh|process)_[A-Za-z0-9_:]+))");
  std::vector<std::string> out;
  const std::string s(text);
  for (auto it = std::sregex_iterator(s.begin(), s.end(), name_re); it != std::sregex_iterator();
       ++it) {
    out.push_back((*it)[1].str());
  }
  return out;
}

std::vector<std::string> unknown_metrics(std::string_view text) {
  std::vector<std::string> out;
  for (const auto& name : metric_names_in(text)) {
    if (!is_series_name(name)) {
      out.push_back("unknown metric '" + name + "' in: " + std::string(text));
    }
  }
  return out;
}

std::vector<std::string> bad_label_values(std::string_view text) {
  static const std::regex matcher_re(R"(\b([a-z_]+)\s*(=~|!~|!=|=)\s*\"([^\"]*)\")");
  std::vector<std::string> out;
  const std::string s(text);
  for (auto it = std::sregex_iterator(s.begin(), s.end(), matcher_re); it != std::sregex_iterator();
       ++it) {
    const std::string label = (*it)[1].str();
    const std::string op = (*it)[2].str();
    const std::string value = (*it)[3].str();
    for (const auto& [name, allowed] : label_values) {
      if (name != label) {
        continue;
      }
      const bool is_regex = op == "=~" || op == "!~";
      const auto values = is_regex ? split_alternatives(value) : std::vector<std::string>{value};
      for (const auto& v : values) {
        if (is_regex && v.find_first_of(".*+?()[]{}^$\\") != std::string::npos) {
          continue;
        }
        if (!allowed.contains(v)) {
          out.push_back("label " + label + " has no value '" + v + "' in: " + s);
        }
      }
    }
  }
  return out;
}

}  // namespace refreshd::test::catalogue
