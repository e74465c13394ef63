// libFuzzer target: the configuration loader must turn any input into a config or a list of
// located errors, without crashing, hanging or throwing. Also exercises the duration parser and
// ${VAR} expansion on the raw input.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include <refreshd/config/duration.hpp>
#include <refreshd/config/env.hpp>
#include <refreshd/config/loader.hpp>

namespace {

std::optional<std::string> fuzz_env(std::string_view name) {
  if (name == "T" || name == "TOKEN" || name == "ZILLIZ_TOKEN") {
    return std::string("fuzz-token");
  }
  if (name == "EMPTY") {
    return std::string();
  }
  return std::nullopt;
}

void check_duration_round_trip(std::string_view text) {
  const refreshd::config::duration_result d = refreshd::config::parse_duration(text);
  if (d.value.has_value() == !d.error.empty()) {
    std::abort();  // exactly one of value and error
  }
  if (d.value) {
    const auto again =
        refreshd::config::parse_duration(refreshd::config::format_duration(*d.value));
    if (!again.value || *again.value != *d.value) {
      std::abort();
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  refreshd::config::load_options options;
  options.env = fuzz_env;
  options.check_files = false;  // no file system access while fuzzing
  const refreshd::config::load_result r =
      refreshd::config::load_config_string(text, "fuzz.yaml", options);
  if (r.value.has_value() != r.errors.empty()) {
    std::abort();  // a config exactly when there is no error
  }
  for (const refreshd::config::diagnostic& d : r.errors) {
    if (d.line < 0 || d.column < 0 || d.message.empty()) {
      std::abort();
    }
  }
  if (size <= 64) {
    check_duration_round_trip(text);
  }
  (void)refreshd::config::expand_env(text, options.env);
  return 0;
}
