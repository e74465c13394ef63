#pragma once
// Standard base64 (RFC 4648 §4), the one codec of the project: HTTP Basic credentials
// (http/read_auth) and the bytes fields of etcd's JSON gateway (coord/etcd_wire).

#include <optional>
#include <string>
#include <string_view>

namespace refreshd {

/// With padding.
std::string base64_encode(std::string_view bytes);

enum class base64_padding {
  optional,  ///< accepted without '=' (Basic credentials of lenient clients)
  required,  ///< the length is a multiple of 4 (what etcd sends)
};
/// nullopt on a character outside the alphabet (trailing '=' aside), or on a missing padding
/// when it is required.
std::optional<std::string> base64_decode(std::string_view text, base64_padding padding);

}  // namespace refreshd
