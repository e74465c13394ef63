#pragma once
// Emulates gin's ShouldBindBodyWith + the validator for the request structs (the three job
// requests, CollectionNameReq and IndexReq): the JSON body becomes typed fields or a 1801/1802
// error with Go-like wording (contract §3.1).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <refreshd/sim/model.hpp>
#include <refreshd/sim/simulator.hpp>

namespace refreshd::sim::detail {

struct bound_request {
  std::optional<api_error> error;     ///< 1801 or 1802
  std::string db;                     ///< body "dbName" (empty when absent)
  std::string collection;             ///< "collectionName"
  std::optional<std::string> source;  ///< "externalSource" when non-empty
  std::optional<std::string> spec;    ///< "externalSpec" when non-empty
  std::int64_t job_id = 0;            ///< "jobId"
  std::string index;                  ///< "indexName" (indexes/describe)
};

/// `string_ids`: describe also accepts "jobId" as a string of digits.
bound_request bind_request(endpoint op, std::string_view body, bool string_ids);

}  // namespace refreshd::sim::detail
