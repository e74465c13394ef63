#pragma once
// Which collections one page of GET /status or GET / shows (docs/HTTP.md "Filters and paging"):
// the filters of a status_query, a page of at most `limit`, and the cursor of the next page.

#include <string>
#include <variant>

#include <refreshd/http/http_route.hpp>
#include <refreshd/http/status_render.hpp>
#include <refreshd/runtime/runtime_view.hpp>

namespace refreshd::daemon {

/// One page of `rt`'s collections that `q` selects: configuration order for /status; for the
/// page (`problems_first`) failing, stuck, misconfigured, unsupported and auth_failed ones
/// first, then the others, each group in configuration order. The cursor is the
/// "cluster/database/collection" of the last row. An unknown status, or a cursor that names no
/// selected collection (a reload or a status change in between), is an error message.
std::variant<status_view, std::string> select_status(const runtime_view& rt, const status_query& q,
                                                     bool problems_first);

}  // namespace refreshd::daemon
