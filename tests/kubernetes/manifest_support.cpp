#include "manifest_support.hpp"

#include <atomic>
#include <fstream>
#include <stdexcept>
#include <unistd.h>

namespace refreshd::test::k8s {

namespace fs = std::filesystem;

fs::path manifests_dir() {
  return fs::path(REFRESHD_SOURCE_DIR) / "deploy" / "kubernetes";
}

std::vector<YAML::Node> load_documents(const fs::path& path) {
  auto full = path.is_absolute() ? path : manifests_dir() / path;
  std::vector<YAML::Node> docs;
  for (auto& doc : YAML::LoadAllFromFile(full.string())) {
    if (doc.IsDefined() && !doc.IsNull()) {
      docs.push_back(doc);
    }
  }
  return docs;
}

YAML::Node find_object(const std::vector<YAML::Node>& docs, std::string_view kind,
                       std::string_view name) {
  for (const auto& doc : docs) {
    if (!doc.IsMap() || !doc["kind"] || doc["kind"].as<std::string>() != kind) {
      continue;
    }
    if (name.empty() || doc["metadata"]["name"].as<std::string>("") == name) {
      return doc;
    }
  }
  return YAML::Node(YAML::NodeType::Null);
}

YAML::Node find_named(const YAML::Node& list, std::string_view name) {
  if (list.IsSequence()) {
    for (const auto& item : list) {
      if (item.IsMap() && item["name"] && item["name"].as<std::string>() == name) {
        return item;
      }
    }
  }
  return YAML::Node(YAML::NodeType::Null);
}

YAML::Node find_container(const YAML::Node& deployment, std::string_view name) {
  return find_named(deployment["spec"]["template"]["spec"]["containers"], name);
}

std::map<std::string, std::string> container_env(const YAML::Node& container) {
  std::map<std::string, std::string> env;
  if (const auto list = container["env"]; list.IsSequence()) {
    for (const auto& item : list) {
      env[item["name"].as<std::string>()] =
          item["value"] ? item["value"].as<std::string>() : std::string("placeholder");
    }
  }
  return env;
}

std::string config_path(const YAML::Node& container) {
  std::vector<std::string> words;
  for (const char* key : {"command", "args"}) {
    if (const auto list = container[key]; list.IsSequence()) {
      for (const auto& w : list) {
        words.push_back(w.as<std::string>());
      }
    }
  }
  for (std::size_t i = 0; i < words.size(); ++i) {
    if ((words[i] == "-c" || words[i] == "--config") && i + 1 < words.size()) {
      return words[i + 1];
    }
    if (words[i].starts_with("--config=")) {
      return words[i].substr(std::string_view("--config=").size());
    }
  }
  auto env = container_env(container);
  if (auto it = env.find("MILVUS_REFRESHD_CONFIG"); it != env.end() && !it->second.empty()) {
    return it->second;
  }
  return "/etc/milvus-refreshd/config.yaml";
}

std::uint64_t memory_bytes(const std::string& quantity) {
  static const std::pair<std::string_view, std::uint64_t> units[] = {
      {"Ki", 1ULL << 10}, {"Mi", 1ULL << 20}, {"Gi", 1ULL << 30}};
  std::uint64_t factor = 1;
  std::string digits = quantity;
  for (const auto& [suffix, f] : units) {
    if (quantity.ends_with(suffix)) {
      factor = f;
      digits = quantity.substr(0, quantity.size() - suffix.size());
    }
  }
  if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos) {
    throw std::invalid_argument("unsupported memory quantity: " + quantity);
  }
  return std::stoull(digits) * factor;
}

bool same_tree(const YAML::Node& a, const YAML::Node& b, std::string& where,
               const std::string& path) {
  auto differ = [&](const std::string& what) {
    where = (path.empty() ? "<root>" : path) + ": " + what;
    return false;
  };
  if (a.Type() != b.Type()) {
    return differ("node types differ");
  }
  if (a.Tag() != b.Tag()) {
    return differ("tags differ (" + a.Tag() + " vs " + b.Tag() + ")");
  }
  switch (a.Type()) {
    case YAML::NodeType::Scalar:
      return a.Scalar() == b.Scalar() || differ("'" + a.Scalar() + "' vs '" + b.Scalar() + "'");
    case YAML::NodeType::Sequence:
      if (a.size() != b.size()) {
        return differ("sequence lengths differ");
      }
      for (std::size_t i = 0; i < a.size(); ++i) {
        if (!same_tree(a[i], b[i], where, path + "[" + std::to_string(i) + "]")) {
          return false;
        }
      }
      return true;
    case YAML::NodeType::Map:
      if (a.size() != b.size()) {
        return differ("maps have different keys");
      }
      for (const auto& entry : a) {
        const auto key = entry.first.as<std::string>();
        const YAML::Node other = b[key];
        if (!other.IsDefined()) {
          return differ("key '" + key + "' missing on the right");
        }
        if (!same_tree(entry.second, other, where, path + "." + key)) {
          return false;
        }
      }
      return true;
    default:
      return true;  // Null and Undefined carry nothing more
  }
}

scratch_dir::scratch_dir(std::string_view tag) {
  static std::atomic<int> counter{0};
  path_ = fs::temp_directory_path() / ("refreshd-k8s-" + std::to_string(::getpid()) + "-" +
                                       std::string(tag) + "-" + std::to_string(++counter));
  fs::create_directories(path_);
}

scratch_dir::~scratch_dir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

fs::path scratch_dir::write(const std::string& name, const std::string& text) const {
  auto p = path_ / name;
  std::ofstream out(p);
  out << text;
  if (!out.flush()) {
    throw std::runtime_error("cannot write " + p.string());
  }
  return p;
}

}  // namespace refreshd::test::k8s
