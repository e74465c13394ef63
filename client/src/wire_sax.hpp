#pragma once
// A streaming (SAX) reading of a response body that builds only what the readers of wire.cpp
// look at (docs/SECURITY.md: memory follows what is kept, not the body). The envelope keeps `code`,
// `message` and `data`; `data` and each job keep the job-info keys; other keys are dropped, and
// a container where a scalar is expected is kept empty (its type still fails the readers' checks).
// With a record_sink, the elements of `data.records` are handed over one at a time and never
// sit in the document, which keeps `records` as an empty array.

#include <cstddef>
#include <string>
#include <string_view>
#include <variant>

#include <nlohmann/json.hpp>

namespace refreshd::client::wire::detail {

/// Receives the elements of `data.records`, in order. reset(): a later `data` or `records`
/// key replaces the earlier ones (as the last duplicate key wins in a JSON document).
class record_sink {
 public:
  virtual ~record_sink() = default;
  virtual void reset() = 0;
  virtual void add(nlohmann::json&& record) = 0;
};

/// Parses `body` (already checked for depth and emptiness by the caller) into the pruned
/// document `out`; false when the body is not valid JSON (malformed or truncated).
bool parse_pruned(std::string_view body, nlohmann::json& out, record_sink* records);

}  // namespace refreshd::client::wire::detail
