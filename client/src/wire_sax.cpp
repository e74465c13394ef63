#include "wire_sax.hpp"

#include <algorithm>
#include <array>
#include <optional>
#include <utility>
#include <vector>

namespace refreshd::client::wire::detail {

namespace {

using json = nlohmann::json;

/// What a container is to the readers, which decides what of its content is built.
enum class role {
  envelope,  // the root object: code, message, data
  data,      // `data`: the job-info keys (describe, refresh) and `records` (list)
  records,   // `data.records` streamed to a record_sink
  job,       // one job info (a record): the job-info keys
  keep_all,  // an `externalSpec` sent as a JSON document: kept whole (read as its JSON text)
  value,     // a kept key whose value the readers expect to be a scalar
};

constexpr std::array<std::string_view, 9> job_keys = {
    "jobId",  "state",    "collectionName", "externalSource", "externalSpec",
    "reason", "progress", "startTime",      "endTime"};

bool is_job_key(std::string_view k) {
  return std::find(job_keys.begin(), job_keys.end(), k) != job_keys.end();
}

/// Values (and keys) built of one inline externalSpec document; the rest are dropped, so a
/// hostile spec of millions of tiny values costs no more than this.
constexpr std::size_t max_spec_values = 4096;

class pruning_sax {
 public:
  pruning_sax(json& out, record_sink* sink) : root_(out), sink_(sink) {}

  bool null() { return scalar(json(nullptr)); }
  bool boolean(bool v) { return scalar(json(v)); }
  bool number_integer(json::number_integer_t v) { return scalar(json(v)); }
  bool number_unsigned(json::number_unsigned_t v) { return scalar(json(v)); }
  bool number_float(json::number_float_t v, const json::string_t& /*text*/) {
    return scalar(json(v));
  }
  bool string(json::string_t& v) { return scalar(json(std::move(v))); }
  bool binary(json::binary_t& /*v*/) { return scalar(json()); }  // not produced by JSON text

  bool start_object(std::size_t /*size*/) { return start(json::object()); }
  bool start_array(std::size_t /*size*/) { return start(json::array()); }
  bool end_object() { return end(); }
  bool end_array() { return end(); }

  bool key(json::string_t& k) {
    if (skip_ > 0) {
      return true;
    }
    const frame& top = stack_.back();
    child_ = child_role(top.kind, k);
    if (top.kind == role::keep_all && spec_values_ >= max_spec_values) {
      child_.reset();  // an inline spec over its budget: the rest of it is dropped
    } else if (child_ == role::keep_all && top.kind != role::keep_all) {
      spec_values_ = 0;  // a new inline externalSpec
    }
    if (!child_) {
      slot_ = nullptr;
      return true;
    }
    if (top.kind == role::envelope && k == "data" && sink_ != nullptr) {
      sink_->reset();
    }
    if (top.kind == role::data && *child_ == role::records && sink_ != nullptr) {
      sink_->reset();
    }
    slot_ = &(*top.value)[k];
    return true;
  }

  bool parse_error(std::size_t /*position*/, const std::string& /*token*/,
                   const nlohmann::detail::exception& /*e*/) {
    return false;
  }

 private:
  struct frame {
    json* value;
    role kind;
    bool record_root;  // the object is a record being built for the sink
  };

  /// The role of the value under key `k` of a container of role `parent`; nullopt: dropped.
  std::optional<role> child_role(role parent, std::string_view k) const {
    switch (parent) {
      case role::envelope:
        if (k == "data") {
          return role::data;
        }
        return (k == "code" || k == "message") ? std::optional<role>(role::value) : std::nullopt;
      case role::data:
        if (k == "records" && sink_ != nullptr) {
          return role::records;
        }
        [[fallthrough]];
      case role::job:
        if (k == "externalSpec") {
          return role::keep_all;
        }
        return is_job_key(k) ? std::optional<role>(role::value) : std::nullopt;
      case role::keep_all:
        return role::keep_all;
      case role::records:
      case role::value:
        break;
    }
    return std::nullopt;
  }

  /// Where a new value goes; nullptr when it is dropped.
  json* place(json&& v) {
    if (stack_.empty()) {
      root_ = std::move(v);
      return &root_;
    }
    if (stack_.back().kind == role::keep_all && ++spec_values_ > max_spec_values) {
      return nullptr;
    }
    json& parent = *stack_.back().value;
    if (parent.is_array()) {  // only keep_all arrays are ever built
      parent.push_back(std::move(v));
      return &parent.back();
    }
    if (slot_ == nullptr) {
      return nullptr;
    }
    *slot_ = std::move(v);
    return std::exchange(slot_, nullptr);
  }

  bool scalar(json&& v) {
    if (skip_ > 0) {
      return true;
    }
    if (!stack_.empty() && stack_.back().kind == role::records) {
      sink_->add(std::move(v));
      return true;
    }
    place(std::move(v));
    return true;
  }

  bool start(json&& container) {
    if (skip_ > 0) {
      ++skip_;
      return true;
    }
    const bool is_object = container.is_object();
    if (!stack_.empty() && stack_.back().kind == role::records) {
      if (is_object) {  // a record: built on its own, handed to the sink at its end
        record_ = json::object();
        stack_.push_back({&record_, role::job, true});
      } else {
        sink_->add(std::move(container));  // "not a JSON object", whatever it holds
        skip_ = 1;
      }
      return true;
    }
    std::optional<role> kind;
    if (stack_.empty()) {
      kind = is_object ? std::optional<role>(role::envelope) : std::nullopt;
    } else if (stack_.back().value->is_array()) {
      kind = role::keep_all;  // only keep_all arrays are ever opened
    } else {
      kind = child_;
    }
    json* at = place(std::move(container));
    // Opened: the envelope, an object `data`, an array `records`, an inline externalSpec. Any
    // other container is kept empty (so its type still fails the readers' checks) or dropped.
    const bool open = at != nullptr && kind.has_value() &&
                      (*kind == role::keep_all || (*kind == role::records && !is_object) ||
                       (is_object && (*kind == role::envelope || *kind == role::data)));
    if (!open) {
      skip_ = 1;
      return true;
    }
    stack_.push_back({at, *kind, false});
    return true;
  }

  bool end() {
    if (skip_ > 0) {
      --skip_;
      return true;
    }
    const frame top = stack_.back();
    stack_.pop_back();
    if (top.record_root) {
      sink_->add(std::move(record_));
      record_ = json();
    }
    return true;
  }

  json& root_;
  record_sink* sink_;
  std::vector<frame> stack_;
  json* slot_ = nullptr;         // the value slot of the last kept key of the current object
  std::optional<role> child_;    // the role of that key's value
  std::size_t skip_ = 0;         // > 0: inside a container whose content is not built
  json record_;                  // the record being built
  std::size_t spec_values_ = 0;  // values built of the current inline externalSpec
};

}  // namespace

bool parse_pruned(std::string_view body, json& out, record_sink* records) {
  pruning_sax sax(out, records);
  return json::sax_parse(body, &sax, json::input_format_t::json, /*strict=*/true);
}

}  // namespace refreshd::client::wire::detail
