#include <cstdlib>

#include <refreshd/config/load_config.hpp>

namespace refreshd::daemon {

std::filesystem::path default_config_path() {
  const char* env = std::getenv("MILVUS_REFRESHD_CONFIG");
  if (env != nullptr && *env != '\0') {
    return env;
  }
  return "/etc/milvus-refreshd/config.yaml";
}

config::load_result load_daemon_config(const std::filesystem::path& path, bool check_files) {
  config::load_options options;
  options.check_files = check_files;
  return config::load_config_file(path, options);
}

}  // namespace refreshd::daemon
