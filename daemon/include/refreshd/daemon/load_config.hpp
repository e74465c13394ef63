#pragma once
// Loading the configuration the way every command does: the config library's loader with the
// real schedule parser plugged in as the schedule checker.

#include <filesystem>
#include <string>

#include <refreshd/config/loader.hpp>

namespace refreshd::daemon {

/// `-c` default: $MILVUS_REFRESHD_CONFIG when set and non-empty, else
/// /etc/milvus-refreshd/config.yaml.
std::filesystem::path default_config_path();

/// load_options with the full schedule validation (schedule::parse_schedule).
config::load_options daemon_load_options();

/// Loads and validates `path` with daemon_load_options() (plus `check_files`).
config::load_result load_daemon_config(const std::filesystem::path& path, bool check_files = true);

}  // namespace refreshd::daemon
