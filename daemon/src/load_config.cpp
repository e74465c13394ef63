#include <cstdlib>

#include <refreshd/daemon/load_config.hpp>
#include <refreshd/schedule/schedule.hpp>

namespace refreshd::daemon {

std::filesystem::path default_config_path() {
  const char* env = std::getenv("MILVUS_REFRESHD_CONFIG");
  if (env != nullptr && *env != '\0') {
    return env;
  }
  return "/etc/milvus-refreshd/config.yaml";
}

config::load_options daemon_load_options() {
  config::load_options options;
  options.check_schedule = [](std::string_view text) -> std::optional<std::string> {
    auto parsed = schedule::parse_schedule(text);
    if (parsed) {
      return std::nullopt;
    }
    return parsed.error();
  };
  return options;
}

config::load_result load_daemon_config(const std::filesystem::path& path, bool check_files) {
  auto options = daemon_load_options();
  options.check_files = check_files;
  return config::load_config_file(path, options);
}

}  // namespace refreshd::daemon
