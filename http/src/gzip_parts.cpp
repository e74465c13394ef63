// gzip_parts.hpp: zlib's deflate with a gzip wrapper, fed one part at a time.
#include <stdexcept>
#include <utility>
#include <zlib.h>

#include <refreshd/http/gzip_parts.hpp>

namespace refreshd::daemon {

namespace {

class gzip_stream {
 public:
  explicit gzip_stream(body_parts plain) : plain_(std::move(plain)) {
    // 15 + 16: a 32 KiB window with the gzip header and trailer; level 1: at scrape speed the
    // fast level already gives most of the gain on this repetitive text.
    if (deflateInit2(&z_, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
      throw std::runtime_error("gzip: deflateInit2 failed");
    }
  }
  ~gzip_stream() { deflateEnd(&z_); }
  gzip_stream(const gzip_stream&) = delete;
  gzip_stream& operator=(const gzip_stream&) = delete;

  std::string next() {
    std::string out;
    while (out.empty() && !finished_) {
      std::string in = plain_();
      deflate_into(out, in, in.empty() ? Z_FINISH : Z_NO_FLUSH);
      finished_ = in.empty();
    }
    return out;
  }

 private:
  void deflate_into(std::string& out, std::string& in, int flush) {
    z_.next_in = reinterpret_cast<Bytef*>(in.data());
    z_.avail_in = static_cast<uInt>(in.size());
    for (;;) {
      const std::size_t at = out.size();
      out.resize(at + 16384);
      z_.next_out = reinterpret_cast<Bytef*>(out.data() + at);
      z_.avail_out = 16384;
      const int rc = deflate(&z_, flush);
      out.resize(at + (16384 - z_.avail_out));
      if (rc == Z_STREAM_END) {
        return;
      }
      if (rc != Z_OK && rc != Z_BUF_ERROR) {
        throw std::runtime_error("gzip: deflate failed");
      }
      if (z_.avail_in == 0 && z_.avail_out != 0 && flush != Z_FINISH) {
        return;
      }
    }
  }

  body_parts plain_;
  z_stream z_{};
  bool finished_ = false;
};

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
    if (lower(a[i]) != lower(b[i])) {
      return false;
    }
  }
  return true;
}

/// q=0 (or 0.0, 0.00, 0.000) among the parameters of one coding.
bool refused(std::string_view params) {
  while (!params.empty()) {
    const auto semi = params.find(';');
    auto p = trim(params.substr(0, semi));
    params = semi == std::string_view::npos ? std::string_view() : params.substr(semi + 1);
    if (p.size() >= 2 && (p[0] == 'q' || p[0] == 'Q') && p[1] == '=') {
      p.remove_prefix(2);
      return p.find_first_not_of("0.") == std::string_view::npos;
    }
  }
  return false;
}

}  // namespace

body_parts gzip_parts(body_parts plain) {
  auto z = std::make_shared<gzip_stream>(std::move(plain));
  return [z] { return z->next(); };
}

bool accepts_gzip(std::string_view accept_encoding) {
  while (!accept_encoding.empty()) {
    const auto comma = accept_encoding.find(',');
    const auto item = accept_encoding.substr(0, comma);
    accept_encoding =
        comma == std::string_view::npos ? std::string_view() : accept_encoding.substr(comma + 1);
    const auto semi = item.find(';');
    const auto coding = trim(item.substr(0, semi));
    const auto params = semi == std::string_view::npos ? std::string_view() : item.substr(semi + 1);
    if ((iequals(coding, "gzip") || iequals(coding, "x-gzip") || coding == "*") &&
        !refused(params)) {
      return true;
    }
  }
  return false;
}

}  // namespace refreshd::daemon
