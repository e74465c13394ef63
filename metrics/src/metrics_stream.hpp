#pragma once
// Private: the scrape_stream of metrics_core::begin_scrape (metrics_stream.cpp).

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "metrics_families.hpp"
#include "metrics_snapshot.hpp"

namespace refreshd::daemon::metrics_detail {

class scrape_stream_impl final : public scrape_stream {
 public:
  /// `histograms[i]`: a copy of the job histogram of rows[i] (per_collection: [job_duration]
  /// only; empty otherwise). `tail`: the per-cluster and daemon-wide families, already rendered.
  /// `last_series` receives the number of sample lines once the last part was written.
  /// `config` keeps the configuration the rows point to alive.
  scrape_stream_impl(std::shared_ptr<const void> config, std::vector<collection_values> rows,
                     const config::metrics_settings& settings,
                     std::vector<job_histogram> histograms, std::string tail,
                     std::shared_ptr<std::size_t> last_series);

  std::string next(std::size_t lines) override;

  /// The families in the order written (public for the table of sparse gauges).
  enum class stage {
    info,
    status,
    gauge,
    failures,
    finished,
    triggers,
    triggers_lost,
    skipped,
    job_duration,
    lag,          // target_lag collections only
    expected,     // target_lag collections only
    held,         // depends_on collections only
    quarantined,  // quarantined collections only
  };

 private:
  void header(std::string& out) const;
  /// Writes collection i's lines of the current family; how many.
  std::size_t row(std::string& out, std::size_t i);
  std::size_t histogram_rows(std::string& out, const label_block& l, const job_histogram& h) const;

  /// Row i's label block, made in a buffer reused from row to row: no label text is kept
  /// between scrapes (docs/METRICS.md "Serving a scrape").
  const label_block& labels_of(std::size_t i);

  std::shared_ptr<const void> config_;
  label_block labels_;
  std::size_t labels_row_ = static_cast<std::size_t>(-1);
  std::size_t labels_stage_ = 0;  ///< the family labels_ was made for
  std::vector<collection_values> rows_;
  std::vector<job_histogram> histograms_;
  std::string tail_;
  std::shared_ptr<std::size_t> last_series_;
  std::vector<stage> stages_;
  std::size_t stage_ = 0;
  std::size_t gauge_ = 0;  // which of the simple gauges
  std::size_t row_ = 0;
  std::size_t samples_ = 0;
};

}  // namespace refreshd::daemon::metrics_detail
