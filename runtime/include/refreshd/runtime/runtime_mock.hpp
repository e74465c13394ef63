#pragma once
// The runtime over the mock clock (mock_clock.hpp), for tests: declared here, instantiated once
// in the refreshd::runtime_mock library (runtime/src/runtime_mock.cpp), so a test compiles only
// its own code, not the runtime's template bodies.

#include <refreshd/runtime/mock_clock.hpp>
#include <refreshd/runtime/runtime.hpp>

namespace refreshd::daemon {

extern template struct cluster_runtime<test::mock_clock>;
extern template class basic_runtime<test::mock_clock>;

}  // namespace refreshd::daemon
