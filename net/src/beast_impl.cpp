// Separate compilation unit for Boost.Beast.
#include <boost/beast/src.hpp>
