#pragma once
// Private: what a scrape copies of each collection when it begins (docs/METRICS.md "Serving a
// scrape"), the label blocks it writes them with, and the text of one sample line.

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <refreshd/metrics/metrics.hpp>

namespace refreshd::daemon::metrics_detail {

/// The escaped labels of one collection: `cluster="..",database="..",collection=".."`, and the
/// same with `,schedule="..",timezone=".."` for collection_info. Made once per config
/// generation, shared by the scrapes that use it.
struct label_block {
  std::string base;
  std::string info;
};
using label_cache = std::vector<label_block>;

/// The label blocks of `cols`, in their order.
std::shared_ptr<const label_cache> make_label_cache(
    const collection_list& cols, const std::vector<metrics_cluster_view>& clusters);

/// One collection's values at the start of a scrape (about 130 bytes; no strings).
struct collection_values {
  double progress = 0;
  double last_success = 0;
  double last_failure = 0;
  double last_trigger = 0;
  double next_run = 0;
  double freshness_target = 0;
  double last_job_duration = 0;
  std::uint64_t completed = 0;
  std::uint64_t failed = 0;
  std::uint64_t triggers = 0;
  std::uint64_t triggers_lost = 0;
  std::array<std::uint64_t, 3> skipped{};  ///< already_running, suspended, limit
  std::uint32_t consecutive_failures = 0;
  status current = status::idle;
};

collection_values values_of(const collection_runtime& c);

/// Appends `name{labels[,extra]} value\n`.
void append_sample(std::string& out, std::string_view name, std::string_view label_text,
                   std::string_view extra, double value);
void append_sample(std::string& out, std::string_view name, std::string_view label_text,
                   std::string_view extra, std::uint64_t value);
/// Appends the `# HELP` and `# TYPE` lines of a family.
void append_header(std::string& out, std::string_view name, std::string_view help,
                   std::string_view type);
/// A label value escaped for the text format (backslash, double quote, newline).
std::string escape_label(std::string_view value);

}  // namespace refreshd::daemon::metrics_detail
