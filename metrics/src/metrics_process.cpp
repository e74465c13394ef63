#include <charconv>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <system_error>
#include <unistd.h>
#include <vector>

#include <refreshd/metrics/metrics_process.hpp>

namespace refreshd::daemon {
namespace {

bool is_space(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

std::vector<std::string_view> split_words(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && is_space(s[i])) {
      ++i;
    }
    const auto begin = i;
    while (i < s.size() && !is_space(s[i])) {
      ++i;
    }
    if (i > begin) {
      out.push_back(s.substr(begin, i - begin));
    }
  }
  return out;
}

template <class T>
std::optional<T> to_number(std::string_view s) {
  T v{};
  const auto* end = s.data() + s.size();
  const auto [ptr, ec] = std::from_chars(s.data(), end, v);
  if (ec != std::errc() || ptr != end) {
    return std::nullopt;
  }
  return v;
}

std::string read_file(const char* path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return {};
  }
  std::ostringstream buf;
  buf << in.rdbuf();
  return std::move(buf).str();
}

std::optional<std::uint64_t> count_open_fds() {
  std::error_code ec;
  std::uint64_t n = 0;
  for (std::filesystem::directory_iterator it("/proc/self/fd", ec), end; !ec && it != end;
       it.increment(ec)) {
    ++n;
  }
  if (ec) {
    return std::nullopt;
  }
  return n;
}

}  // namespace

std::optional<proc_stat_fields> parse_proc_pid_stat(std::string_view text) {
  const auto close = text.rfind(')');
  if (close == std::string_view::npos) {
    return std::nullopt;
  }
  // After "pid (comm)": field 3 (state) is words[0], so field n is words[n - 3].
  const auto words = split_words(text.substr(close + 1));
  if (words.size() < 22) {
    return std::nullopt;
  }
  const auto utime = to_number<std::uint64_t>(words[11]);
  const auto stime = to_number<std::uint64_t>(words[12]);
  const auto start = to_number<std::uint64_t>(words[19]);
  const auto vsize = to_number<std::uint64_t>(words[20]);
  const auto rss = to_number<std::int64_t>(words[21]);
  if (!utime || !stime || !start || !vsize || !rss) {
    return std::nullopt;
  }
  return proc_stat_fields{*utime, *stime, *start, *vsize, *rss};
}

std::optional<std::int64_t> parse_boot_time(std::string_view proc_stat) {
  std::size_t pos = 0;
  while (pos < proc_stat.size()) {
    auto end = proc_stat.find('\n', pos);
    if (end == std::string_view::npos) {
      end = proc_stat.size();
    }
    const auto words = split_words(proc_stat.substr(pos, end - pos));
    if (words.size() == 2 && words[0] == "btime") {
      return to_number<std::int64_t>(words[1]);
    }
    pos = end + 1;
  }
  return std::nullopt;
}

std::optional<std::uint64_t> parse_max_open_files(std::string_view limits) {
  constexpr std::string_view key = "Max open files";
  std::size_t pos = 0;
  while (pos < limits.size()) {
    auto end = limits.find('\n', pos);
    if (end == std::string_view::npos) {
      end = limits.size();
    }
    const auto line = limits.substr(pos, end - pos);
    if (line.starts_with(key)) {
      const auto words = split_words(line.substr(key.size()));
      if (words.empty()) {
        return std::nullopt;
      }
      return to_number<std::uint64_t>(words[0]);  // "unlimited" is not a number
    }
    pos = end + 1;
  }
  return std::nullopt;
}

process_sample make_process_sample(const std::optional<proc_stat_fields>& stat,
                                   std::optional<std::int64_t> boot_time,
                                   std::optional<std::uint64_t> max_fds,
                                   std::optional<std::uint64_t> open_fds, long ticks_per_second,
                                   long page_size) {
  process_sample s;
  if (stat) {
    if (ticks_per_second > 0) {
      const auto ticks = static_cast<double>(ticks_per_second);
      s.cpu_seconds = static_cast<double>(stat->utime_ticks + stat->stime_ticks) / ticks;
      if (boot_time) {
        s.start_time_seconds =
            static_cast<double>(*boot_time) + static_cast<double>(stat->start_ticks) / ticks;
      }
    }
    if (page_size > 0 && stat->rss_pages >= 0) {
      s.resident_bytes = static_cast<double>(stat->rss_pages) * static_cast<double>(page_size);
    }
    s.virtual_bytes = static_cast<double>(stat->vsize_bytes);
  }
  if (open_fds) {
    s.open_fds = static_cast<double>(*open_fds);
  }
  if (max_fds) {
    s.max_fds = static_cast<double>(*max_fds);
  }
  return s;
}

process_sample read_process_sample() {
  return make_process_sample(parse_proc_pid_stat(read_file("/proc/self/stat")),
                             parse_boot_time(read_file("/proc/stat")),
                             parse_max_open_files(read_file("/proc/self/limits")), count_open_fds(),
                             sysconf(_SC_CLK_TCK), sysconf(_SC_PAGESIZE));
}

}  // namespace refreshd::daemon
