#pragma once
// The milvus-refreshd command line (README.md, "The CLI"). main() is a thin wrapper over run_cli so
// tests can drive the same code.

namespace refreshd::daemon {

/// Parses argv, runs the command and returns the process exit code (see exit_codes.hpp).
int run_cli(int argc, char** argv);

}  // namespace refreshd::daemon
