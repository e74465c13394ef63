#pragma once
// Loading the configuration the way every command does (schedules are validated by the config
// loader with the schedule library's parser).

#include <filesystem>
#include <string>

#include <refreshd/config/loader.hpp>

namespace refreshd::daemon {

/// `-c` default: $MILVUS_REFRESHD_CONFIG when set and non-empty, else
/// /etc/milvus-refreshd/config.yaml.
std::filesystem::path default_config_path();

/// Loads and validates `path` (`check_files`: see config::load_options).
config::load_result load_daemon_config(const std::filesystem::path& path, bool check_files = true);

}  // namespace refreshd::daemon
