// The list answer (wire.hpp): its records are read one at a time as the body streams by
// (wire_sax.hpp), and only those list_keep asks for are kept.

#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include <refreshd/client/wire.hpp>

#include "wire_detail.hpp"

namespace refreshd::client::wire {

namespace {

using json = nlohmann::json;
using detail::bad_response;
using detail::open_envelope;
using detail::read_job_info;

/// Reads and checks every record of a list answer as it streams by, keeping the
/// `keep.max_records` that matter most, or two per named collection (see list_keep); the first
/// bad record is remembered.
class list_collector final : public detail::record_sink {
 public:
  explicit list_collector(const list_keep& keep) : keep_(keep) {}

  void reset() override {
    kept_.clear();
    named_.clear();
    seen_ = 0;
    dropped_ = 0;
    error_.clear();
  }

  void add(json&& record) override {
    const std::size_t index = seen_++;
    auto info = read_job_info(record, keep_.token);
    record = json();  // freed before anything is kept
    if (!error_.empty()) {
      return;
    }
    if (auto* e = std::get_if<std::string>(&info)) {
      error_ = "records[" + std::to_string(index) + "]: " + *e;
      return;
    }
    auto& j = std::get<job_info>(info);
    if (keep_.only != nullptr) {
      offer_named(entry{rank_of(j, index), std::move(j)});
    } else {
      offer(entry{rank_of(j, index), std::move(j)});
    }
  }

  const std::string& error() const noexcept { return error_; }

  list_answer take() {
    if (keep_.only != nullptr) {
      take_named();
    }
    std::sort(kept_.begin(), kept_.end(),
              [](const entry& a, const entry& b) { return a.rank.index < b.rank.index; });
    list_answer out;
    out.jobs.reserve(kept_.size());
    for (auto& e : kept_) {
      out.jobs.push_back(std::move(e.info));
    }
    out.dropped = keep_.only != nullptr ? seen_ - out.jobs.size() : dropped_;
    return out;
  }

 private:
  struct priority {
    bool ours;    // of the requested collection (or unnamed), or no collection requested
    bool active;  // not terminal: Pending, InProgress or an unknown state
    std::int64_t start;
    std::size_t index;  // answer order: earlier wins a tie

    bool better_than(const priority& o) const {
      if (ours != o.ours) {
        return ours;
      }
      if (active != o.active) {
        return active;
      }
      if (start != o.start) {
        return start > o.start;
      }
      return index < o.index;
    }
  };
  struct entry {
    priority rank;
    job_info info;
  };

  priority rank_of(const job_info& j, std::size_t index) const {
    const bool ours = keep_.collection.empty() || j.collection_name.empty() ||
                      j.collection_name == keep_.collection;
    return priority{ours, !is_terminal(j.state), j.start_time_ms, index};
  }

  /// A min-heap on rank: the front is the record to drop first.
  void offer(entry e) {
    const auto worse_first = [](const entry& a, const entry& b) {
      return a.rank.better_than(b.rank);
    };
    if (kept_.size() < keep_.max_records) {
      kept_.push_back(std::move(e));
      std::push_heap(kept_.begin(), kept_.end(), worse_first);
      return;
    }
    ++dropped_;
    if (kept_.empty() || !e.rank.better_than(kept_.front().rank)) {
      return;
    }
    std::pop_heap(kept_.begin(), kept_.end(), worse_first);
    kept_.back() = std::move(e);
    std::push_heap(kept_.begin(), kept_.end(), worse_first);
  }

  /// The newest record and the newest active record of one named collection.
  struct named_slots {
    std::optional<entry> newest;
    std::optional<entry> active;
  };
  static bool newer(const priority& a, const priority& b) {
    return a.start != b.start ? a.start > b.start : a.index < b.index;
  }

  void offer_named(entry e) {
    const auto& names = *keep_.only;
    const auto it = std::lower_bound(names.begin(), names.end(), e.info.collection_name);
    if (it == names.end() || *it != e.info.collection_name) {
      return;  // another collection's, or none named: dropped
    }
    if (named_.empty()) {
      named_.resize(names.size());
    }
    auto& slots = named_[static_cast<std::size_t>(it - names.begin())];
    const bool take_newest = !slots.newest || newer(e.rank, slots.newest->rank);
    const bool take_active = e.rank.active && (!slots.active || newer(e.rank, slots.active->rank));
    if (take_newest && take_active) {
      slots.active = e;
    }
    if (take_newest) {
      slots.newest = std::move(e);
    } else if (take_active) {
      slots.active = std::move(e);
    }
  }

  /// Moves the named collections' records into kept_ (one copy of a record kept twice).
  void take_named() {
    for (auto& s : named_) {
      if (s.active && (!s.newest || s.active->rank.index != s.newest->rank.index)) {
        kept_.push_back(std::move(*s.active));
      }
      if (s.newest) {
        kept_.push_back(std::move(*s.newest));
      }
    }
    named_.clear();
  }

  const list_keep& keep_;
  std::vector<entry> kept_;
  std::vector<named_slots> named_;
  std::size_t seen_ = 0;
  std::size_t dropped_ = 0;
  std::string error_;
};

}  // namespace

api_result<list_answer> parse_list_answer(int http_status, std::string_view body,
                                          const list_keep& keep) {
  list_collector records(keep);
  auto data = open_envelope(operation::list, http_status, body, &records);
  if (auto* e = std::get_if<api_error>(&data)) {
    return std::move(*e);
  }
  const auto& d = std::get<json>(data);
  if (!d.is_object()) {
    return bad_response(http_status, "list: \"data\" is not a JSON object");
  }
  auto it = d.find("records");
  // The server always sends an array; a missing or null `records` is read as no jobs.
  if (it == d.end() || it->is_null()) {
    return list_answer{};
  }
  if (!it->is_array()) {
    return bad_response(http_status, "list: \"records\" is not an array");
  }
  if (!records.error().empty()) {
    return bad_response(http_status, "list: " + records.error());
  }
  return records.take();
}

api_result<std::vector<job_info>> parse_list_response(int http_status, std::string_view body,
                                                      const list_keep& keep) {
  auto r = parse_list_answer(http_status, body, keep);
  if (!r) {
    return r.error();
  }
  return std::move(r).value().jobs;
}
}  // namespace refreshd::client::wire
