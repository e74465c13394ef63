#pragma once
// The text of a gzip body (tests of gzip answers; link ZLIB::ZLIB). Throws on a body that is not
// one complete gzip stream.

#include <stdexcept>
#include <string>
#include <string_view>
#include <zlib.h>

namespace refreshd::test {

inline std::string gunzip(std::string_view gz) {
  z_stream z{};
  if (inflateInit2(&z, 15 + 16) != Z_OK) {
    throw std::runtime_error("gunzip: inflateInit2 failed");
  }
  std::string in(gz);
  std::string out;
  z.next_in = reinterpret_cast<Bytef*>(in.data());
  z.avail_in = static_cast<uInt>(in.size());
  int rc = Z_OK;
  while (rc == Z_OK) {
    char buf[65536];
    z.next_out = reinterpret_cast<Bytef*>(buf);
    z.avail_out = sizeof buf;
    rc = inflate(&z, Z_NO_FLUSH);
    out.append(buf, sizeof buf - z.avail_out);
    if (rc == Z_BUF_ERROR || (rc == Z_OK && z.avail_in == 0 && z.avail_out != 0)) {
      break;  // truncated input
    }
  }
  inflateEnd(&z);
  if (rc != Z_STREAM_END) {
    throw std::runtime_error("gunzip: not one complete gzip stream");
  }
  return out;
}

}  // namespace refreshd::test
