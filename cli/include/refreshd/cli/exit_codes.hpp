#pragma once
// Process exit codes of milvus-refreshd (README.md, "The CLI"), shared by every command.

#include <refreshd/client/types.hpp>

namespace refreshd::daemon {

enum exit_code : int {
  exit_ok = 0,
  exit_failed = 1,       ///< a job failed, or an API call failed
  exit_usage = 2,        ///< usage or configuration error
  exit_unsupported = 3,  ///< the cluster has no refresh-job API (HTTP 404)
  exit_auth = 4,         ///< authentication failed (HTTP 401/403, code 1800)
  exit_sigint = 130,
  exit_sigterm = 143,
};

/// Exit code for an API error: unsupported → 3, unauthenticated → 4, anything else → 1.
inline int exit_code_for(const client::api_error& e) noexcept {
  switch (e.kind) {
    case client::error_class::unsupported:
      return exit_unsupported;
    case client::error_class::unauthenticated:
      return exit_auth;
    default:
      return exit_failed;
  }
}

}  // namespace refreshd::daemon
