#include "packaging_support.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <system_error>

#include <nlohmann/json.hpp>

#include <refreshd/test/child_process.hpp>

namespace refreshd::test {
namespace {

std::string trim(std::string_view s) {
  const auto* ws = " \t\r\n";
  const auto b = s.find_first_not_of(ws);
  if (b == std::string_view::npos) {
    return {};
  }
  const auto e = s.find_last_not_of(ws);
  return std::string(s.substr(b, e - b + 1));
}

std::vector<std::string> lines_of(std::string_view text) {
  std::vector<std::string> lines;
  std::istringstream in{std::string(text)};
  for (std::string line; std::getline(in, line);) {
    lines.push_back(line);
  }
  return lines;
}

}  // namespace

scratch_dir::scratch_dir() {
  std::string templ = (std::filesystem::temp_directory_path() / "refreshd-packaging-XXXXXX");
  if (mkdtemp(templ.data()) == nullptr) {
    throw std::runtime_error("mkdtemp failed for " + templ);
  }
  path_ = templ;
}

scratch_dir::~scratch_dir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string read_text_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw std::runtime_error("cannot read " + path.string());
  }
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::map<std::string, std::string> parse_control(std::string_view text) {
  std::map<std::string, std::string> fields;
  std::string current;
  for (const auto& line : lines_of(text)) {
    if (line.empty()) {
      continue;
    }
    if ((line.front() == ' ' || line.front() == '\t') && !current.empty()) {
      fields[current] += "\n" + trim(line);
      continue;
    }
    const auto colon = line.find(':');
    if (colon == std::string::npos) {
      continue;
    }
    current = line.substr(0, colon);
    fields[current] = trim(std::string_view(line).substr(colon + 1));
  }
  return fields;
}

std::vector<std::string> relation_packages(std::string_view field) {
  std::vector<std::string> names;
  std::string text(field);
  std::replace(text.begin(), text.end(), '|', ',');
  std::istringstream in(text);
  for (std::string item; std::getline(in, item, ',');) {
    auto name = trim(item.substr(0, item.find_first_of("([:")));
    if (!name.empty()) {
      names.push_back(name);
    }
  }
  return names;
}

std::vector<std::string> needed_libraries(const std::filesystem::path& elf) {
  const auto r = run({"/usr/bin/readelf", "-d", elf.string()});
  if (r.exit_code != 0) {
    throw std::runtime_error("readelf failed on " + elf.string() + ": " + r.err);
  }
  std::vector<std::string> sonames;
  for (const auto& line : lines_of(r.out)) {
    const auto open = line.find("Shared library: [");
    if (line.find("(NEEDED)") == std::string::npos || open == std::string::npos) {
      continue;
    }
    const auto start = open + std::string_view("Shared library: [").size();
    sonames.push_back(line.substr(start, line.find(']', start) - start));
  }
  return sonames;
}

std::map<std::string, std::string> ldd_paths(const std::filesystem::path& elf) {
  const auto r = run({"/usr/bin/ldd", elf.string()});
  if (r.exit_code != 0) {
    throw std::runtime_error("ldd failed on " + elf.string() + ": " + r.err);
  }
  std::map<std::string, std::string> paths;
  for (const auto& line : lines_of(r.out)) {
    const auto arrow = line.find(" => ");
    if (arrow == std::string::npos) {
      continue;
    }
    const auto path = trim(line.substr(arrow + 4));
    paths[trim(line.substr(0, arrow))] = path.substr(0, path.find(" ("));
  }
  return paths;
}

std::map<std::string, std::string> owning_packages(const std::vector<std::string>& paths) {
  // dpkg knows each file under one spelling (/usr/lib/... or /lib/... on a merged /usr): ask for
  // every spelling at once (one dpkg run instead of one per file; dpkg -S is slow).
  std::map<std::string, std::string> spelling_of;  // candidate -> the path asked for
  for (const auto& path : paths) {
    spelling_of.emplace(path, path);
    spelling_of.emplace(path.starts_with("/usr/") ? path.substr(4) : "/usr" + path, path);
    std::error_code ec;
    const auto canonical = std::filesystem::canonical(path, ec);
    if (!ec) {
      spelling_of.emplace(canonical.string(), path);
    }
  }
  std::vector<std::string> argv{"/usr/bin/dpkg", "-S"};
  for (const auto& [candidate, path] : spelling_of) {
    argv.push_back(candidate);
  }
  // Exit status 1 when some spelling is unknown: expected, the others are still listed.
  const auto r = run(argv);
  std::map<std::string, std::string> owners;
  for (const auto& line : lines_of(r.out)) {
    // "libssl3:amd64: /usr/lib/x86_64-linux-gnu/libssl.so.3"
    const auto sep = line.find(": /");
    if (sep == std::string::npos) {
      continue;
    }
    const auto it = spelling_of.find(line.substr(sep + 2));
    if (it != spelling_of.end()) {
      owners.emplace(it->second, line.substr(0, line.find_first_of(":,")));
    }
  }
  return owners;
}

std::vector<std::string> names_of_package(const std::string& package) {
  std::vector<std::string> names{package};
  const auto r = run({"/usr/bin/dpkg-query", "-W", "-f=${Provides}", package});
  if (r.exit_code == 0) {
    for (auto& provided : relation_packages(r.out)) {
      names.push_back(std::move(provided));
    }
  }
  return names;
}

std::vector<dockerfile_instruction> parse_dockerfile(std::string_view text) {
  std::vector<dockerfile_instruction> instructions;
  std::string pending;
  int stage = -1;
  auto flush = [&] {
    const auto line = trim(pending);
    pending.clear();
    if (line.empty()) {
      return;
    }
    const auto space = line.find_first_of(" \t");
    dockerfile_instruction ins;
    ins.keyword = line.substr(0, space);
    std::transform(ins.keyword.begin(), ins.keyword.end(), ins.keyword.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    ins.args = space == std::string::npos ? std::string() : trim(line.substr(space));
    if (ins.keyword == "FROM") {
      ++stage;
    }
    ins.stage = stage;
    instructions.push_back(std::move(ins));
  };
  for (const auto& raw : lines_of(text)) {
    const auto line = trim(raw);
    if (line.starts_with("#")) {
      continue;  // comments (and parser directives) may sit inside continuations too
    }
    if (line.ends_with("\\")) {
      pending += line.substr(0, line.size() - 1) + " ";
      continue;
    }
    pending += line;
    flush();
  }
  flush();
  return instructions;
}

std::vector<std::string> exec_form(std::string_view args) {
  const auto json = nlohmann::json::parse(args, nullptr, false);
  std::vector<std::string> out;
  if (!json.is_array()) {
    return out;
  }
  for (const auto& item : json) {
    if (!item.is_string()) {
      return {};
    }
    out.push_back(item.get<std::string>());
  }
  return out;
}

}  // namespace refreshd::test
