#include <refreshd/daemon/cli.hpp>

int main(int argc, char** argv) {
  return refreshd::daemon::run_cli(argc, argv);
}
