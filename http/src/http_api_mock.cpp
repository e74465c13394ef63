// The one instantiation of the HTTP API over the mock-clock runtime (http_api_mock.hpp).
#include <refreshd/http/http_api_mock.hpp>

#include "http_api_impl.hpp"

namespace refreshd::daemon {

template class basic_http_api<test::mock_clock>;

}  // namespace refreshd::daemon
