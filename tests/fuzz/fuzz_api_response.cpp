// libFuzzer target: the refresh-job API response parsers (docs/SECURITY.md). Every input is decoded
// by all three parsers under several HTTP statuses; the parsers must never crash, and their
// results must keep the documented invariants (checked with __builtin_trap).

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <refreshd/client/types.hpp>
#include <refreshd/client/wire.hpp>

namespace {

using namespace refreshd::client;

void check(bool condition) {
  if (!condition) {
    __builtin_trap();
  }
}

void check_error(const api_error& e, int status) {
  check(!e.message.empty());
  check(e.http_status == status);
  check(!describe_error(e).empty());
  if (status == 404) {
    check(e.kind == error_class::unsupported);
  }
}

void check_job(const job_info& j) {
  check(j.id.value > 0);
  check(j.progress >= 0 && j.progress <= 100);
  check(j.start_time_ms >= 0 && j.end_time_ms >= 0);
  check(!j.reason || !j.reason->empty());
}

void parse_all(int status, std::string_view body) {
  if (auto r = wire::parse_refresh_response(status, body)) {
    check(status == 200 && r->value > 0);
    check(!wire::build_describe_body(*r).empty());
  } else {
    check_error(r.error(), status);
  }
  if (auto r = wire::parse_describe_response(status, body)) {
    check(status == 200);
    check_job(*r);
  } else {
    check_error(r.error(), status);
  }
  if (auto r = wire::parse_list_response(status, body)) {
    check(status == 200);
    for (const auto& j : *r) {
      check_job(j);
    }
  } else {
    check_error(r.error(), status);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  constexpr int other_statuses[] = {401, 404, 408, 429, 500, 503, 400};
  parse_all(200, body);
  parse_all(other_statuses[size % std::size(other_statuses)], body);
  // The classifier alone, with the input as a server message.
  for (auto op : {operation::refresh, operation::describe, operation::list}) {
    auto e = wire::classify(op, 200, static_cast<std::int64_t>(size % 2000), body);
    check(!e.message.empty());
  }
  return 0;
}
