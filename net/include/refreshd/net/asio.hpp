#pragma once
// The project's single view of Boost.Asio / Beast as shipped with Boost 1.81 (Debian 12).
// Every other file spells completion tokens and namespaces through these aliases, so a
// later Boost upgrade (cancel_after, newer tokens) is a change to this file only.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace boost::beast {}
namespace boost::beast::http {}
namespace boost::asio::ssl {}
namespace boost::asio::ip {
class tcp;
}

namespace refreshd {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = boost::asio::ip::tcp;

template <class T = void>
using awaitable = net::awaitable<T>;

using executor = net::any_io_executor;

/// Completion token: suspend the coroutine, throw on error.
inline constexpr auto use_awaitable = net::use_awaitable;

/// Completion token: suspend the coroutine, return (error_code, results...) as a tuple.
inline constexpr auto use_nothrow = net::as_tuple(net::use_awaitable);

}  // namespace refreshd
