#pragma once
// A body written part by part, gzip-compressed part by part (zlib; docs/HTTP.md "/metrics"):
// Prometheus always asks for gzip, and the exposition compresses about 10 to 1.

#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace refreshd::daemon {

/// Parts of a body: each call returns the next part, "" at the end.
using body_parts = std::function<std::string()>;

/// The gzip stream (RFC 1952) of the parts of `plain`, again as parts: each call compresses
/// plain parts until some output is ready, and "" follows the gzip trailer. Throws
/// std::runtime_error when zlib fails (it cannot with valid input).
body_parts gzip_parts(body_parts plain);

/// Does an Accept-Encoding header value accept gzip (a `gzip` or `x-gzip` coding without
/// `q=0`, or `*` without `q=0`)?
bool accepts_gzip(std::string_view accept_encoding);

}  // namespace refreshd::daemon
