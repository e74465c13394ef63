// Separate compilation unit for Boost.Asio and its SSL support.
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
