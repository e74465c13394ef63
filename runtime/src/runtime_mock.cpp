// The one instantiation of the runtime over the mock clock (runtime_mock.hpp), for tests.
#include <refreshd/runtime/runtime_mock.hpp>

#include "runtime_cycle.hpp"
#include "runtime_dependencies.hpp"
#include "runtime_lag.hpp"
#include "runtime_pause.hpp"
#include "runtime_reload.hpp"
#include "runtime_servability.hpp"
#include "runtime_startup.hpp"

namespace refreshd::daemon {

template struct cluster_runtime<test::mock_clock>;
template class basic_runtime<test::mock_clock>;

}  // namespace refreshd::daemon
