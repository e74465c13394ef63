#pragma once
// Reading the manifests in deploy/kubernetes/ for the tests: multi-document YAML files, the
// objects and containers in them, and a structural comparison of YAML trees.

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

namespace refreshd::test::k8s {

/// deploy/kubernetes/ in the source tree.
std::filesystem::path manifests_dir();

/// Every non-empty document of `path` (absolute, or relative to manifests_dir()). Throws
/// YAML::Exception on a syntax error.
std::vector<YAML::Node> load_documents(const std::filesystem::path& path);

/// The object of `kind` (and `name`, when not empty) among `docs`; a null node when absent.
YAML::Node find_object(const std::vector<YAML::Node>& docs, std::string_view kind,
                       std::string_view name = {});

/// The container called `name` in a Deployment's pod template; a null node when absent.
YAML::Node find_container(const YAML::Node& deployment, std::string_view name);

/// The entry of `list` (a sequence of maps) whose `name` is `name`; a null node when absent.
YAML::Node find_named(const YAML::Node& list, std::string_view name);

/// A container's environment as the daemon sees it: literal `value`s, and "placeholder" for
/// values that come from Secrets, fields or ConfigMaps (`valueFrom`).
std::map<std::string, std::string> container_env(const YAML::Node& container);

/// The config file the daemon in `container` reads: the `-c`/`--config` argument, else
/// $MILVUS_REFRESHD_CONFIG from its env, else the built-in default.
std::string config_path(const YAML::Node& container);

/// Memory quantity ("64Mi", "1Gi", "500Ki", plain bytes) in bytes; throws on another form.
std::uint64_t memory_bytes(const std::string& quantity);

/// True when `a` and `b` are the same tree: node types, scalar values and tags (a quoted "5m"
/// differs from a plain 5m), sequence order, map keys. On a difference `where` names its path.
bool same_tree(const YAML::Node& a, const YAML::Node& b, std::string& where,
               const std::string& path = "");

/// A scratch directory removed on destruction.
class scratch_dir {
 public:
  explicit scratch_dir(std::string_view tag);
  ~scratch_dir();
  scratch_dir(const scratch_dir&) = delete;
  scratch_dir& operator=(const scratch_dir&) = delete;

  const std::filesystem::path& path() const noexcept { return path_; }
  /// Writes `text` to `name` inside the directory and returns its path.
  std::filesystem::path write(const std::string& name, const std::string& text) const;

 private:
  std::filesystem::path path_;
};

}  // namespace refreshd::test::k8s
