#pragma once
// process_* metrics as other exporters publish them (client_golang's process collector), read
// from /proc/self. The parsers are pure and tested on fixture text; read_process_sample() does
// the I/O.

#include <cstdint>
#include <optional>
#include <string_view>

namespace refreshd::daemon {

/// The fields of /proc/<pid>/stat the process metrics need (proc(5) field numbers).
struct proc_stat_fields {
  std::uint64_t utime_ticks = 0;  ///< (14) user CPU, in clock ticks
  std::uint64_t stime_ticks = 0;  ///< (15) system CPU, in clock ticks
  std::uint64_t start_ticks = 0;  ///< (22) start time, clock ticks after boot
  std::uint64_t vsize_bytes = 0;  ///< (23) virtual memory size
  std::int64_t rss_pages = 0;     ///< (24) resident set size, in pages
};

/// Parses /proc/<pid>/stat. The command name (field 2) may hold spaces and parentheses: fields
/// are counted after its last ')'. nullopt when a needed field is missing or not a number.
std::optional<proc_stat_fields> parse_proc_pid_stat(std::string_view text);

/// The `btime` line of /proc/stat (boot time, Unix seconds); nullopt when absent.
std::optional<std::int64_t> parse_boot_time(std::string_view proc_stat);

/// The soft limit of "Max open files" in /proc/<pid>/limits; nullopt when absent, unparsable or
/// "unlimited".
std::optional<std::uint64_t> parse_max_open_files(std::string_view limits);

/// One reading of the process metrics. Optional parts are left out of the scrape when unknown.
struct process_sample {
  std::optional<double> cpu_seconds;         ///< process_cpu_seconds_total (user + system)
  std::optional<double> resident_bytes;      ///< process_resident_memory_bytes
  std::optional<double> virtual_bytes;       ///< process_virtual_memory_bytes
  std::optional<double> start_time_seconds;  ///< process_start_time_seconds (Unix)
  std::optional<double> open_fds;            ///< process_open_fds
  std::optional<double> max_fds;             ///< process_max_fds
};

/// Combines parsed /proc text into a sample (pure). `ticks_per_second` is sysconf(_SC_CLK_TCK)
/// and `page_size` sysconf(_SC_PAGESIZE); boot time and the stat fields may be missing.
process_sample make_process_sample(const std::optional<proc_stat_fields>& stat,
                                   std::optional<std::int64_t> boot_time,
                                   std::optional<std::uint64_t> max_fds,
                                   std::optional<std::uint64_t> open_fds, long ticks_per_second,
                                   long page_size);

/// Reads /proc/self/stat, /proc/stat, /proc/self/limits and counts /proc/self/fd. Never throws;
/// what cannot be read is left empty.
process_sample read_process_sample();

}  // namespace refreshd::daemon
