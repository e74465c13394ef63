// The one instantiation of the config reloader over the mock clock (config_reload_mock.hpp).
#include <refreshd/daemon/config_reload_mock.hpp>

#include "config_reload_impl.hpp"

namespace refreshd::daemon {

template class basic_config_reloader<test::mock_clock>;

}  // namespace refreshd::daemon
