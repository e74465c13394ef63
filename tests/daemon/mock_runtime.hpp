#pragma once
// The runtime and the HTTP API over the mock clock, with their template bodies, declared as
// instantiated elsewhere (mock_runtime.cpp): the tests that drive them compile only their own
// code, not the runtime's ~1,200 lines of templates once per test file.

#include <refreshd/daemon/runtime.hpp>

#include "http_api_impl.hpp"
#include "mock_clock.hpp"
#include "runtime_cycle.hpp"
#include "runtime_impl.hpp"

namespace refreshd::daemon {

extern template struct cluster_runtime<test::mock_clock>;
extern template class basic_runtime<test::mock_clock>;
extern template class basic_http_api<test::mock_clock>;

}  // namespace refreshd::daemon
