#pragma once
// The metric catalogue of docs/METRICS.md, written once for the checks of the shipped alert rules
// and the Grafana dashboard: every metric name an expression uses must be in it, and label values
// from closed sets must be members.

#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace refreshd::test::catalogue {

/// Gauges and counters, by their exposed name (counters with `_total`).
inline const std::set<std::string, std::less<>> plain_metrics = {
    "milvus_refresh_collection_info",
    "milvus_refresh_collection_status",
    "milvus_refresh_job_progress_ratio",
    "milvus_refresh_last_success_timestamp_seconds",
    "milvus_refresh_last_failure_timestamp_seconds",
    "milvus_refresh_last_trigger_timestamp_seconds",
    "milvus_refresh_next_run_timestamp_seconds",
    "milvus_refresh_freshness_target_seconds",
    "milvus_refresh_consecutive_failures",
    "milvus_refresh_last_job_duration_seconds",
    "milvus_refresh_lag_seconds",
    "milvus_refresh_expected_duration_seconds",
    "milvus_refresh_upstream_held",
    "milvus_refresh_quarantined",
    "milvus_refresh_triggers_total",
    "milvus_refresh_skipped_total",
    "milvus_refresh_jobs_finished_total",
    "milvus_refresh_triggers_lost_total",
    "milvus_refresh_api_requests_total",
    "milvus_refresh_config_last_reload_successful",
    "milvus_refresh_config_last_reload_success_timestamp_seconds",
    "milvus_refresh_scheduler_last_tick_timestamp_seconds",
    "milvus_refresh_build_info",
    "milvus_refresh_scrape_series",
    "milvus_refresh_coordination_info",
    "milvus_refresh_coordination_lease_valid",
    "milvus_refresh_coordination_members",
    "milvus_refresh_coordination_owned_collections",
    "milvus_refresh_coordination_lease_grants_total",
    "milvus_refresh_coordination_lease_renewals_total",
    "milvus_refresh_coordination_lease_renewal_failures_total",
    "milvus_refresh_coordination_claims_total",
    "milvus_refresh_coordination_handoffs_total",
    "milvus_refresh_coordination_fence_refusals_total",
    "process_resident_memory_bytes",
    "process_virtual_memory_bytes",
    "process_cpu_seconds_total",
    "process_open_fds",
    "process_max_fds",
    "process_start_time_seconds",
};

/// Histograms: only their `_bucket`, `_sum` and `_count` series exist.
inline const std::set<std::string, std::less<>> histograms = {
    "milvus_refresh_job_duration_seconds",
    "milvus_refresh_api_request_duration_seconds",
};

/// Families with a `cluster` label but no `database` / `collection` by default (docs/METRICS.md
/// "Per cluster"; `metrics.per_collection` can move the first four to collection labels).
inline const std::set<std::string, std::less<>> per_cluster_metrics = {
    "milvus_refresh_triggers_total",     "milvus_refresh_triggers_lost_total",
    "milvus_refresh_skipped_total",      "milvus_refresh_job_duration_seconds",
    "milvus_refresh_api_requests_total", "milvus_refresh_api_request_duration_seconds",
};

/// The family a series name belongs to (`x_bucket` → `x` for histograms).
std::string family_of(std::string_view series);

/// Closed label value sets (docs/METRICS.md; `result` is ok or a client error class).
inline const std::vector<std::pair<std::string, std::set<std::string, std::less<>>>> label_values =
    {
        {"status",
         {"idle", "running", "stuck", "failing", "misconfigured", "unsupported", "auth_failed",
          "suspended", "paused"}},
        {"reason", {"already_running", "suspended", "limit"}},
        {"outcome", {"completed", "failed"}},
        {"operation",
         {"refresh", "describe", "list", "index_list", "index_describe", "load_state"}},
        {"result",
         {"ok", "transient", "rate_limited", "unauthenticated", "unsupported", "not_found",
          "no_source", "duplicate", "job_not_found", "invalid", "bad_response"}},
};

/// Names starting with `milvus_refresh_` or `process_` that `text` mentions, in order.
std::vector<std::string> metric_names_in(std::string_view text);

/// One message per name in `text` that is not a catalogue series name.
std::vector<std::string> unknown_metrics(std::string_view text);

/// One message per matcher on a closed label (`status="x"`, `result!~"a|b"`) naming a value
/// outside its set. Regex alternatives are checked one by one; patterns with other regex
/// syntax are skipped.
std::vector<std::string> bad_label_values(std::string_view text);

}  // namespace refreshd::test::catalogue
