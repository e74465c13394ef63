#pragma once
// The config reloader over the mock clock, for tests: declared here, instantiated once in the
// refreshd::daemon_mock library (daemon/src/config_reload_mock.cpp).

#include <refreshd/daemon/config_reload.hpp>
#include <refreshd/runtime/mock_clock.hpp>

namespace refreshd::daemon {

extern template class basic_config_reloader<test::mock_clock>;

}  // namespace refreshd::daemon
