// The one instantiation of the mock-clock runtime and HTTP API for daemon_tests
// (mock_runtime.hpp).
#include "mock_runtime.hpp"

namespace refreshd::daemon {

template struct cluster_runtime<test::mock_clock>;
template class basic_runtime<test::mock_clock>;
template class basic_http_api<test::mock_clock>;

}  // namespace refreshd::daemon
