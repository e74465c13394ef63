#pragma once
// The HTTP API over the mock-clock runtime, for tests: declared here, instantiated once in the
// refreshd::http_mock library (http/src/http_api_mock.cpp).

#include <refreshd/http/http_api.hpp>
#include <refreshd/runtime/runtime_mock.hpp>

namespace refreshd::daemon {

extern template class basic_http_api<test::mock_clock>;

}  // namespace refreshd::daemon
