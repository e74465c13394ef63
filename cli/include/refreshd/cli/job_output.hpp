#pragma once
// Text and JSON rendering of API results for the CLI. external_spec is a secret and never
// rendered.

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include <refreshd/client/types.hpp>

namespace refreshd::daemon {

enum class output_format { text, json };

/// RFC 3339 UTC ("2026-11-22T10:15:00.123Z") for epoch milliseconds; "" for 0 / negative.
std::string format_epoch_ms(std::int64_t ms);
/// The one human spelling of a duration (schedule::format_duration, as in the config):
/// "1h2m3s", "12s345ms", "850ms"; negative as "0s".
std::string format_duration_ms(std::int64_t ms);

void render_job(std::ostream& out, const client::job_info& job, output_format fmt);
void render_jobs(std::ostream& out, const std::vector<client::job_info>& jobs, output_format fmt);
/// The JSON object used by render_job (job id as a JSON integer, times RFC 3339 or null).
std::string job_json(const client::job_info& job);

/// Progress display for `trigger --wait`: a redrawn bar on a TTY, one line per change otherwise.
class progress_display {
 public:
  progress_display(std::ostream& out, bool tty) : out_(out), tty_(tty) {}
  void update(const client::job_info& job, std::int64_t elapsed_ms);
  /// Ends the bar's line on a TTY.
  void finish();

 private:
  std::ostream& out_;
  bool tty_;
  bool drawn_ = false;
  client::job_state last_state_ = client::job_state::unknown;
  int last_progress_ = -1;
};

}  // namespace refreshd::daemon
