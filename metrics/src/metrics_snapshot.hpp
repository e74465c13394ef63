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
/// same with `,schedule="..",timezone=".."` for collection_info. Made when a scrape writes the
/// collection's line of a family, in a buffer the stream reuses.
struct label_block {
  std::string base;
  std::string info;
};

/// Makes `b` for a collection of cluster `cluster` (`info` only `with_info`).
void make_label_block(label_block& b, const config::cluster& cluster,
                      const config::collection& collection, bool with_info);

/// One collection's values at the start of a scrape (about 150 bytes; no strings).
struct collection_values {
  double progress = 0;
  double last_success = 0;
  double last_failure = 0;
  double last_trigger = 0;
  double next_run = 0;
  double freshness_target = 0;
  double last_job_duration = 0;
  double lag = -1;          ///< target_lag only (else < 0): seconds since the data was last ready
  double expected = -1;     ///< target_lag only (else < 0): the expected refresh duration
  double held = -1;         ///< depends_on only (else < 0): 1 while a failed upstream holds it
  double quarantined = -1;  ///< 1 while quarantined (else < 0: no series)
  std::uint64_t completed = 0;
  std::uint64_t failed = 0;
  std::uint64_t triggers = 0;
  std::uint64_t triggers_lost = 0;
  std::array<std::uint64_t, 3> skipped{};  ///< already_running, suspended, limit
  std::uint32_t consecutive_failures = 0;
  status current = status::idle;
  /// For its label block (kept valid by the scrape's hold on the configuration).
  const config::cluster* cluster = nullptr;
  const config::collection* collection = nullptr;
};

collection_values values_of(const collection_runtime& c, const config::cluster& cluster);

/// Appends `name{labels[,extra]} value\n`.
void append_sample(std::string& out, std::string_view name, std::string_view label_text,
                   std::string_view extra, double value);
void append_sample(std::string& out, std::string_view name, std::string_view label_text,
                   std::string_view extra, std::uint64_t value);
/// Appends `value` as the text format writes it (shortest round-trip form, std::to_chars).
void append_number(std::string& out, double value);
void append_number(std::string& out, std::uint64_t value);
/// Appends the `# HELP` and `# TYPE` lines of a family.
void append_header(std::string& out, std::string_view name, std::string_view help,
                   std::string_view type);
/// A label value escaped for the text format (backslash, double quote, newline).
std::string escape_label(std::string_view value);

}  // namespace refreshd::daemon::metrics_detail
