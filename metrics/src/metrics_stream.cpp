// One scrape written in parts (docs/METRICS.md "Serving a scrape"): the per-collection families
// straight from a snapshot of values, each row's label block made as it is written, then the
// per-cluster and daemon-wide families rendered when the scrape began.
#include "metrics_stream.hpp"

#include <algorithm>
#include <utility>

#include "metrics_families.hpp"
#include "metrics_snapshot.hpp"

namespace refreshd::daemon::metrics_detail {

namespace {

/// A per-collection gauge read from the snapshot.
struct gauge_def {
  std::string_view name;
  std::string_view help;
  double collection_values::*value;
};

const std::array<gauge_def, 7> gauges = {{
    {"milvus_refresh_job_progress_ratio",
     "Progress (0..1) of the current or last known job; a completed job shows 1, 0 when no job "
     "is known.",
     &collection_values::progress},
    {"milvus_refresh_last_success_timestamp_seconds",
     "End time of the last completed job (Unix seconds, 0 if none known).",
     &collection_values::last_success},
    {"milvus_refresh_last_failure_timestamp_seconds",
     "End time of the last failed job (Unix seconds, 0 if none known).",
     &collection_values::last_failure},
    {"milvus_refresh_last_trigger_timestamp_seconds",
     "When this daemon last triggered a refresh job (Unix seconds, 0 if never).",
     &collection_values::last_trigger},
    {"milvus_refresh_next_run_timestamp_seconds", "Next scheduled slot (Unix seconds, 0 if none).",
     &collection_values::next_run},
    {"milvus_refresh_freshness_target_seconds", "Configured freshness_target of the collection.",
     &collection_values::freshness_target},
    {"milvus_refresh_last_job_duration_seconds",
     "Start to end of the last finished (completed or failed) job, in seconds (0 if none known).",
     &collection_values::last_job_duration},
}};

/// The `le` label of every bucket of milvus_refresh_job_duration_seconds, and +Inf.
std::vector<std::string> bucket_labels() {
  std::vector<std::string> out;
  for (const double b : job_duration_buckets) {
    std::string l = "le=\"";
    append_number(l, b);
    l += '"';
    out.push_back(std::move(l));
  }
  out.emplace_back("le=\"+Inf\"");
  return out;
}

/// The `status` label of each status, in the order of the enum (all_statuses).
std::array<std::string, all_statuses.size()> status_labels() {
  std::array<std::string, all_statuses.size()> out;
  for (const auto st : all_statuses) {
    out[static_cast<std::size_t>(st)] = "status=\"" + std::string(to_string(st)) + "\"";
  }
  return out;
}

}  // namespace

scrape_stream_impl::scrape_stream_impl(std::shared_ptr<const void> config,
                                       std::vector<collection_values> rows,
                                       const config::metrics_settings& settings,
                                       std::vector<job_histogram> histograms, std::string tail,
                                       std::shared_ptr<std::size_t> last_series)
    : config_(std::move(config)),
      rows_(std::move(rows)),
      histograms_(std::move(histograms)),
      tail_(std::move(tail)),
      last_series_(std::move(last_series)) {
  stages_ = {stage::info, stage::status};
  for (std::size_t i = 0; i < gauges.size(); ++i) {
    stages_.push_back(stage::gauge);
  }
  stages_.push_back(stage::failures);
  stages_.push_back(stage::finished);
  if (std::any_of(rows_.begin(), rows_.end(),
                  [](const collection_values& v) { return v.expected >= 0; })) {
    stages_.push_back(stage::lag);
    stages_.push_back(stage::expected);
  }
  if (std::any_of(rows_.begin(), rows_.end(),
                  [](const collection_values& v) { return v.held >= 0; })) {
    stages_.push_back(stage::held);
  }
  if (std::any_of(rows_.begin(), rows_.end(),
                  [](const collection_values& v) { return v.quarantined >= 0; })) {
    stages_.push_back(stage::quarantined);
  }
  if (settings.per_collection_triggers) {
    stages_.push_back(stage::triggers);
    stages_.push_back(stage::triggers_lost);
  }
  if (settings.per_collection_skipped) {
    stages_.push_back(stage::skipped);
  }
  if (settings.per_collection_job_duration) {
    stages_.push_back(stage::job_duration);
  }
}

std::string scrape_stream_impl::next(std::size_t lines) {
  std::string out;
  std::size_t written = 0;
  while (written < lines && stage_ < stages_.size()) {
    if (row_ == 0) {
      header(out);
    }
    for (; row_ < rows_.size() && written < lines; ++row_) {
      written += row(out, row_);
    }
    if (row_ == rows_.size()) {
      ++stage_;
      gauge_ += stages_[stage_ - 1] == stage::gauge ? 1 : 0;
      row_ = 0;
    }
  }
  samples_ += written;
  if (out.empty() && !tail_.empty()) {
    out = std::move(tail_);
    tail_.clear();
    samples_ += count_samples(out);
    *last_series_ = samples_;
  }
  return out;
}

namespace {

/// The gauges only some collections have (docs/METRICS.md).
struct sparse_gauge {
  scrape_stream_impl::stage at;
  const char* name;
  const char* help;
};
constexpr std::array<sparse_gauge, 4> sparse_gauges{{
    {scrape_stream_impl::stage::lag, "milvus_refresh_lag_seconds",
     "target_lag collections: seconds since their data was last ready (absent before any "
     "success)."},
    {scrape_stream_impl::stage::expected, "milvus_refresh_expected_duration_seconds",
     "target_lag collections: the expected refresh duration, trigger to ready, learned from "
     "their recent refreshes."},
    {scrape_stream_impl::stage::held, "milvus_refresh_upstream_held",
     "depends_on collections: 1 while an upstream whose last refresh failed holds them, else 0."},
    {scrape_stream_impl::stage::quarantined, "milvus_refresh_quarantined",
     "1 for a collection paused by quarantine_after until someone resumes it (absent "
     "otherwise)."},
}};

}  // namespace

void scrape_stream_impl::header(std::string& out) const {
  switch (stages_[stage_]) {
    case stage::info:
      append_header(out, "milvus_refresh_collection_info",
                    "Static information about a configured collection (value 1).", "gauge");
      break;
    case stage::status:
      append_header(out, "milvus_refresh_collection_status",
                    "Current status of the collection (value 1; one series, labelled with the "
                    "status).",
                    "gauge");
      break;
    case stage::gauge:
      append_header(out, gauges[gauge_].name, gauges[gauge_].help, "gauge");
      break;
    case stage::failures:
      append_header(out, "milvus_refresh_consecutive_failures",
                    "Failed jobs in a row (0 after a completed job).", "gauge");
      break;
    case stage::finished:
      append_header(out, "milvus_refresh_jobs_finished_total",
                    "Jobs observed to finish, by outcome (completed, failed).", "counter");
      break;
    case stage::triggers:
      append_header(out, "milvus_refresh_triggers_total", triggers_help, "counter");
      break;
    case stage::triggers_lost:
      append_header(out, "milvus_refresh_triggers_lost_total", triggers_lost_help, "counter");
      break;
    case stage::skipped:
      append_header(out, "milvus_refresh_skipped_total", skipped_help, "counter");
      break;
    case stage::job_duration:
      append_header(out, "milvus_refresh_job_duration_seconds", job_duration_help, "histogram");
      break;
    case stage::lag:
    case stage::expected:
    case stage::held:
    case stage::quarantined:
      for (const auto& g : sparse_gauges) {
        if (g.at == stages_[stage_]) {
          append_header(out, g.name, g.help, "gauge");
        }
      }
      break;
  }
}

namespace {

/// A gauge only some collections have (a negative value: none): 1 sample or 0.
std::size_t append_if_set(std::string& out, std::string_view name, std::string_view label_text,
                          double value) {
  if (value < 0) {
    return 0;
  }
  append_sample(out, name, label_text, "", value);
  return 1;
}

}  // namespace

std::size_t scrape_stream_impl::row(std::string& out, std::size_t i) {
  const collection_values& v = rows_[i];
  const label_block& l = labels_of(i);
  switch (stages_[stage_]) {
    case stage::info:
      append_sample(out, "milvus_refresh_collection_info", l.info, "", 1.0);
      return 1;
    case stage::status: {
      static const auto labels = status_labels();
      append_sample(out, "milvus_refresh_collection_status", l.base,
                    labels.at(static_cast<std::size_t>(v.current)), 1.0);
      return 1;
    }
    case stage::gauge: {
      const auto& g = gauges[gauge_];
      append_sample(out, g.name, l.base, "", v.*g.value);
      return 1;
    }
    case stage::failures:
      append_sample(out, "milvus_refresh_consecutive_failures", l.base, "",
                    static_cast<std::uint64_t>(v.consecutive_failures));
      return 1;
    case stage::finished:
      append_sample(out, "milvus_refresh_jobs_finished_total", l.base, "outcome=\"completed\"",
                    v.completed);
      append_sample(out, "milvus_refresh_jobs_finished_total", l.base, "outcome=\"failed\"",
                    v.failed);
      return 2;
    case stage::triggers:
      append_sample(out, "milvus_refresh_triggers_total", l.base, "", v.triggers);
      return 1;
    case stage::lag:
      return append_if_set(out, "milvus_refresh_lag_seconds", l.base, v.lag);
    case stage::expected:
      return append_if_set(out, "milvus_refresh_expected_duration_seconds", l.base, v.expected);
    case stage::held:
      return append_if_set(out, "milvus_refresh_upstream_held", l.base, v.held);
    case stage::quarantined:
      return append_if_set(out, "milvus_refresh_quarantined", l.base, v.quarantined);
    case stage::triggers_lost:
      append_sample(out, "milvus_refresh_triggers_lost_total", l.base, "", v.triggers_lost);
      return 1;
    case stage::skipped: {
      static constexpr std::array<std::string_view, 3> reasons = {
          "reason=\"already_running\"", "reason=\"suspended\"", "reason=\"limit\""};
      for (std::size_t r = 0; r < reasons.size(); ++r) {
        append_sample(out, "milvus_refresh_skipped_total", l.base, reasons[r], v.skipped[r]);
      }
      return reasons.size();
    }
    case stage::job_duration:
      return histogram_rows(out, l, histograms_[i]);
  }
  return 0;
}

const label_block& scrape_stream_impl::labels_of(std::size_t i) {
  if (labels_row_ != i || labels_stage_ != stage_) {
    make_label_block(labels_, *rows_[i].cluster, *rows_[i].collection,
                     stages_[stage_] == stage::info);
    labels_row_ = i;
    labels_stage_ = stage_;
  }
  return labels_;
}

std::size_t scrape_stream_impl::histogram_rows(std::string& out, const label_block& l,
                                               const job_histogram& h) const {
  static const std::vector<std::string> le = bucket_labels();
  std::uint64_t cumulative = 0;
  for (std::size_t b = 0; b < le.size(); ++b) {
    cumulative += h.counts[b];
    append_sample(out, "milvus_refresh_job_duration_seconds_bucket", l.base, le[b], cumulative);
  }
  append_sample(out, "milvus_refresh_job_duration_seconds_sum", l.base, "", h.sum);
  append_sample(out, "milvus_refresh_job_duration_seconds_count", l.base, "", cumulative);
  return le.size() + 2;
}

}  // namespace refreshd::daemon::metrics_detail
