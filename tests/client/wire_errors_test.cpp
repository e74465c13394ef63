// Error classification of the refresh-job API (docs/CYCLE.md, contract §3, §5, §6.4) and the small
// helpers of types.hpp. Every row is a real or contract-described server answer.

#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include <refreshd/client/types.hpp>
#include <refreshd/client/wire.hpp>

namespace refreshd::client {
namespace {

struct error_row {
  const char* name;
  operation op;
  int status;
  std::string body;
  error_class expected;
  std::int64_t code;
  bool maybe_sent;
  std::string_view message_part;  // a substring the message must keep
};

void PrintTo(const error_row& r, std::ostream* os) {
  *os << r.name;
}

api_error parse_failure(operation op, int status, std::string_view body) {
  switch (op) {
    case operation::refresh: {
      auto r = wire::parse_refresh_response(status, body);
      EXPECT_FALSE(r.has_value()) << body;
      return r ? api_error{} : r.error();
    }
    case operation::describe: {
      auto r = wire::parse_describe_response(status, body);
      EXPECT_FALSE(r.has_value()) << body;
      return r ? api_error{} : r.error();
    }
    case operation::index_list:
    case operation::index_describe:
    case operation::load_state: {
      auto r = wire::parse_load_state_response(status, body);  // the servability envelope
      EXPECT_FALSE(r.has_value()) << body;
      return r ? api_error{} : r.error();
    }
    case operation::list:
      break;
  }
  auto r = wire::parse_list_response(status, body);
  EXPECT_FALSE(r.has_value()) << body;
  return r ? api_error{} : r.error();
}

std::string env(int code, std::string_view message) {
  return "{\"code\":" + std::to_string(code) + ",\"message\":\"" + std::string(message) + "\"}";
}

constexpr auto R = operation::refresh;
constexpr auto D = operation::describe;
constexpr auto L = operation::list;
using E = error_class;

const std::vector<error_row> error_rows = {
    // §3.1: HTTP status vs JSON code.
    {"MissingRequired", R, 200,
     env(1802, "missing required parameters, error: Key: 'collectionName' failed"), E::invalid,
     1802, false, "missing required parameters"},
    {"EmptyBody", D, 200,
     env(1801,
         "can only accept json format request, the request body should be nil, however {} "
         "is valid"),
     E::invalid, 1801, false, "request body"},
    {"WrongType", D, 200,
     env(1801, "can only accept json format request, error: json: cannot unmarshal string"),
     E::invalid, 1801, false, "json format"},
    {"RateLimiter", R, 200, env(1807, "request is rejected by limiter, error: quota exceeded"),
     E::rate_limited, 1807, false, "rejected by limiter"},
    {"Unauthenticated401Refresh", R, 401, env(1800, "user hasn't authenticated"),
     E::unauthenticated, 1800, false, "hasn't authenticated"},
    {"Unauthenticated401Describe", D, 401, env(1800, "user hasn't authenticated"),
     E::unauthenticated, 1800, false, "hasn't authenticated"},
    {"Unauthenticated401List", L, 401, env(1800, "user hasn't authenticated"), E::unauthenticated,
     1800, false, "hasn't authenticated"},
    {"Unauthenticated401PlainText", L, 401, "Unauthorized", E::unauthenticated, 0, false, "401"},
    {"Forbidden403", R, 403, env(1401, "privilege not permitted"), E::unauthenticated, 1401, false,
     "privilege not permitted"},
    {"Timeout408Refresh", R, 408, env(10001, "request timeout"), E::transient, 10001, true,
     "request timeout"},
    {"Timeout408Describe", D, 408, env(10001, "request timeout"), E::transient, 10001, false,
     "request timeout"},
    {"BadRequestTimeoutHeader", R, 200,
     env(1100, "Request-Timeout parse failed, err: strconv.Atoi: parsing \\\"x\\\""), E::invalid,
     1100, false, "Request-Timeout parse failed"},
    {"RouteMissing404Refresh", R, 404, "404 page not found", E::unsupported, 0, false,
     "upgrade the cluster"},
    {"RouteMissing404Describe", D, 404, "404 page not found", E::unsupported, 0, false, "HTTP 404"},
    {"RouteMissing404ListJsonBody", L, 404, env(404, "not found"), E::unsupported, 0, false,
     "does not support the refresh-job API"},
    {"Panic500", R, 500, "{\"code\":500}", E::transient, 500, true, "HTTP 500"},
    {"Panic500Describe", D, 500, "{\"code\":500}", E::transient, 500, false, "HTTP 500"},
    {"BadGateway502Html", L, 502, "<html><body>502 Bad Gateway</body></html>", E::transient, 0,
     false, "HTTP 502"},
    {"Unavailable503Empty", R, 503, "", E::transient, 0, true, "HTTP 503"},
    {"TooManyRequests429", R, 429, "", E::rate_limited, 0, false, "429"},
    {"TooManyRequests429Json", D, 429, env(80001, "too many requests"), E::rate_limited, 80001,
     false, "too many requests"},
    // Other statuses: 3xx/4xx invalid, unless a Milvus envelope says more; others transient.
    {"BadRequest400", R, 400, "bad request", E::invalid, 0, false, "HTTP 400"},
    {"MethodNotAllowed405", L, 405, "", E::invalid, 0, false, "HTTP 405"},
    {"Redirect301", L, 301, "", E::invalid, 0, false, "HTTP 301"},
    {"Conflict409WithDuplicateEnvelope", R, 409, env(703, "task duplicates"), E::duplicate, 703,
     false, "task duplicates"},
    {"NoContent204", D, 204, "", E::transient, 0, false, "HTTP 204"},
    // §3.2 codes.
    {"ServiceNotReady", R, 200, env(1, "service not ready"), E::transient, 1, false, "not ready"},
    {"ServiceUnavailable", R, 200,
     env(2, "service unavailable: external collection refresh manager not initialized"),
     E::transient, 2, false, "not initialized"},
    {"TooManyConcurrent", R, 200, env(4, "too many concurrent requests, queue is full"),
     E::rate_limited, 4, false, "queue is full"},
    {"ServiceInternalIsInvalid", R, 200, env(5, "service internal error: explore failed"),
     E::invalid, 5, false, "explore failed"},
    {"RateLimitCode8", D, 200, env(8, "rate limit exceeded"), E::rate_limited, 8, false,
     "rate limit"},
    {"Unexpected65535Refresh", R, 200, env(65535, "unexpected error: rpc error"), E::transient,
     65535, true, "rpc error"},
    {"Unexpected65535List", L, 200, env(65535, "unexpected error"), E::transient, 65535, false,
     "unexpected"},
    {"AuthCodeOnHttp200", L, 200, env(1800, "user hasn't authenticated"), E::unauthenticated, 1800,
     false, "authenticated"},
    {"ErrorWithoutMessage", D, 200, "{\"code\":1100}", E::invalid, 1100, false, "1100"},
    // §3.3 message substrings.
    {"OnlyOneOfSourceSpec", R, 200,
     env(1100, "externalSource and externalSpec must be set both or neither: invalid parameter"),
     E::invalid, 1100, false, "both"},
    {"DisallowedScheme", R, 200, env(1100, "external source scheme \\\"file\\\" is not allowed"),
     E::invalid, 1100, false, "scheme"},
    {"BadSpecFormat", R, 200, env(1100, "unsupported format: csv"), E::invalid, 1100, false,
     "unsupported format"},
    {"BadSpecBoolean", R, 200, env(1100, "extfs.use_ssl must be \\\"true\\\" or \\\"false\\\""),
     E::invalid, 1100, false, "must be"},
    {"BadSpecCloudProvider", R, 200, env(1100, "cloud_provider is required"), E::invalid, 1100,
     false, "cloud_provider"},
    {"NoPersistedSource", R, 200,
     env(1100, "collection books has no persisted external_source/external_spec"), E::no_source,
     1100, false, "no persisted external_source/external_spec"},
    {"NoPersistedSource65535", R, 200, env(65535, "no persisted external_source/external_spec"),
     E::no_source, 65535, false, "no persisted"},
    {"NotExternalRefresh", R, 200, env(1100, "collection books is not an external collection"),
     E::not_found, 1100, false, "not an external collection"},
    {"NotExternalList105", L, 200,
     env(105, "illegal collection schema: not an external collection"), E::not_found, 105, false,
     "not an external collection"},
    {"NotExternal65535", R, 200, env(65535, "not an external collection"), E::not_found, 65535,
     false, "not an external collection"},
    {"CollectionNotFoundRefresh", R, 200, env(100, "collection not found[collection=books]"),
     E::not_found, 100, false, "collection not found[collection=books]"},
    {"CollectionNotFoundList", L, 200, env(100, "collection not found[collection=books]"),
     E::not_found, 100, false, "collection not found"},
    {"DatabaseNotFound", L, 200, env(800, "database not found[database=nope]"), E::not_found, 800,
     false, "database not found"},
    {"CollectionDoesNotExistIsNotDuplicate", R, 200, env(1100, "collection books does not exist"),
     E::not_found, 1100, false, "does not exist"},
    {"CollectionDoesntExistIsNotDuplicate", R, 200, env(1100, "collection books doesn't exist"),
     E::not_found, 1100, false, "exist"},
    {"NonExistentIsNotDuplicate", R, 200, env(1100, "non-existent collection books"), E::not_found,
     1100, false, "non-existent"},
    {"UnknownJobId", D, 200,
     env(1100, "refresh job 9223372036854775807 not found: invalid parameter"), E::job_not_found,
     1100, false, "refresh job 9223372036854775807 not found"},
    {"UnknownJobIdContextOnly", D, 200, env(1100, "refresh job 5 not found"), E::job_not_found,
     1100, false, "not found"},
    {"UnknownJobIdUpperCase", D, 200, env(1100, "Refresh Job 5 NOT FOUND"), E::job_not_found, 1100,
     false, "NOT FOUND"},
    // §5 duplicates.
    {"Duplicate1100InProgress", R, 200,
     env(1100,
         "refresh job 449503829274509311 is in progress for collection books: invalid "
         "parameter"),
     E::duplicate, 1100, false, "in progress"},
    {"Duplicate703", R, 200,
     env(703,
         "refresh job 449503829274509311 is already in progress for collection books, "
         "please wait for it to complete or cancel it first: task duplicates"),
     E::duplicate, 703, false, "already in progress"},
    {"Duplicate703BareSentinel", R, 200, env(703, "task duplicates"), E::duplicate, 703, false,
     "task duplicates"},
    {"DuplicateWord", R, 200, env(1100, "Duplicate refresh request"), E::duplicate, 1100, false,
     "Duplicate"},
    {"DuplicatePrecondition", R, 200, env(9, "failed precondition: job running"), E::duplicate, 9,
     false, "precondition"},
    {"DuplicateAlreadyExists", R, 200, env(1100, "an active refresh job already exists"),
     E::duplicate, 1100, false, "already exists"},
    {"DuplicateExistingJob", R, 200, env(1100, "existing job 7 is running"), E::duplicate, 1100,
     false, "existing"},
    {"InProgressOnDescribeIsInvalid", D, 200, env(1100, "job is in progress"), E::invalid, 1100,
     false, "in progress"},
    {"AlreadyOnListIsInvalid", L, 200, env(1100, "already listed"), E::invalid, 1100, false,
     "already"},
};

class ErrorClassification : public ::testing::TestWithParam<error_row> {};

TEST_P(ErrorClassification, MapsAnswerToClassAndKeepsCodeAndMessage) {
  const auto& row = GetParam();
  const api_error e = parse_failure(row.op, row.status, row.body);
  EXPECT_EQ(to_string(e.kind), to_string(row.expected));
  EXPECT_EQ(e.http_status, row.status);
  EXPECT_EQ(e.code, row.code);
  EXPECT_EQ(e.maybe_sent, row.maybe_sent);
  EXPECT_NE(e.message.find(row.message_part), std::string::npos) << e.message;
  EXPECT_EQ(e.message.find("<html>"), std::string::npos) << "bodies are not copied";
}

INSTANTIATE_TEST_SUITE_P(ContractRows, ErrorClassification, ::testing::ValuesIn(error_rows),
                         [](const auto& p) { return std::string(p.param.name); });

TEST(ClassifyTest, KeepsServerMessageVerbatim) {
  const std::string msg = "refresh job 7 not found: invalid parameter \u00e9\t[x]";
  auto e = wire::classify(operation::describe, 200, 1100, msg);
  EXPECT_EQ(e.message, msg);
  EXPECT_EQ(e.code, 1100);
  EXPECT_EQ(e.kind, error_class::job_not_found);
}

TEST(ClassifyTest, CutsHugeMessagesOnCharacterBoundary) {
  std::string msg(3001, 'a');
  for (int i = 0; i < 1000; ++i) {
    msg += "\u00e9";  // two bytes each, the one at 4095..4096 straddles the cap
  }
  msg += "not found";  // beyond the cap: not seen by classification either
  auto e = wire::classify(operation::describe, 200, 1100, msg);
  EXPECT_EQ(e.message.size(), 4095U + std::string_view(" [truncated]").size());
  EXPECT_TRUE(e.message.ends_with(" [truncated]"));
  EXPECT_EQ(e.kind, error_class::invalid);
  const auto body = e.message.substr(0, e.message.size() - 12);
  EXPECT_NE(static_cast<unsigned char>(body.back()) & 0xC0U, 0xC0U) << "no dangling lead byte";
}

TEST(ClassifyTest, RefreshTransportAmbiguityOnlyForRefresh) {
  EXPECT_TRUE(wire::classify(operation::refresh, 504, 0, "").maybe_sent);
  EXPECT_FALSE(wire::classify(operation::list, 504, 0, "").maybe_sent);
  EXPECT_FALSE(wire::classify(operation::refresh, 200, 1807, "limiter").maybe_sent);
  EXPECT_FALSE(wire::classify(operation::refresh, 200, 1, "service not ready").maybe_sent);
  EXPECT_TRUE(wire::classify(operation::refresh, 503, 1, "service not ready").maybe_sent);
}

TEST(TypesTest, ErrorClassLabelsAreStable) {
  const std::vector<std::pair<error_class, std::string_view>> labels = {
      {error_class::transient, "transient"},
      {error_class::rate_limited, "rate_limited"},
      {error_class::unauthenticated, "unauthenticated"},
      {error_class::unsupported, "unsupported"},
      {error_class::not_found, "not_found"},
      {error_class::no_source, "no_source"},
      {error_class::duplicate, "duplicate"},
      {error_class::job_not_found, "job_not_found"},
      {error_class::invalid, "invalid"},
      {error_class::bad_response, "bad_response"},
  };
  for (const auto& [c, label] : labels) {
    EXPECT_EQ(to_string(c), label);
  }
  EXPECT_EQ(to_string(operation::refresh), "refresh");
  EXPECT_EQ(to_string(operation::describe), "describe");
  EXPECT_EQ(to_string(operation::list), "list");
}

TEST(TypesTest, RetryableClassesAreTransientRateLimitedAndBadResponse) {
  for (int i = 0; i <= static_cast<int>(error_class::bad_response); ++i) {
    const auto c = static_cast<error_class>(i);
    const bool expected = c == error_class::transient || c == error_class::rate_limited ||
                          c == error_class::bad_response;
    EXPECT_EQ(is_retryable(api_error{c, 0, 0, "", false}), expected) << to_string(c);
  }
}

TEST(TypesTest, DescribeErrorIsOneReadableLine) {
  EXPECT_EQ(describe_error({error_class::invalid, 200, 1100, "bad thing", false}),
            "invalid: HTTP 200 code 1100: bad thing");
  EXPECT_EQ(describe_error({error_class::transient, 0, 0, "connect to h:443 refused", true}),
            "transient: connect to h:443 refused (the request may have reached the server)");
  EXPECT_EQ(describe_error({error_class::rate_limited, 429, 0, "slow down", false}),
            "rate_limited: HTTP 429: slow down");
  EXPECT_EQ(describe_error({error_class::bad_response, 0, 0, "", false}), "bad_response:");
}

struct state_row {
  std::string_view text;
  job_state expected;
};

TEST(TypesTest, ParsesStateSpellingsLeniently) {
  const std::vector<state_row> rows = {
      {"RefreshPending", job_state::pending},
      {"RefreshInProgress", job_state::in_progress},
      {"RefreshCompleted", job_state::completed},
      {"RefreshFailed", job_state::failed},
      {"Pending", job_state::pending},
      {"PENDING", job_state::pending},
      {"pending", job_state::pending},
      {"Running", job_state::in_progress},
      {"RUNNING", job_state::in_progress},
      {"InProgress", job_state::in_progress},
      {"in_progress", job_state::in_progress},
      {"in progress", job_state::in_progress},
      {"IN-PROGRESS", job_state::in_progress},
      {"REFRESH_IN_PROGRESS", job_state::in_progress},
      {"Completed", job_state::completed},
      {"SUCCEEDED", job_state::completed},
      {"Success", job_state::completed},
      {"Finished", job_state::completed},
      {"FAILED", job_state::failed},
      {"Fail", job_state::failed},
      {"refreshfailed", job_state::failed},
      {"Init", job_state::pending},
      {"Retry", job_state::in_progress},
      {"RefreshUnknown", job_state::unknown},
      {"Refresh", job_state::unknown},
      {"Paused", job_state::unknown},
      {"", job_state::unknown},
      {"RefreshCompletedButLongerThanAnyStateNameIsAllowedToBe", job_state::unknown},
  };
  for (const auto& row : rows) {
    EXPECT_EQ(to_string(parse_job_state(row.text)), to_string(row.expected)) << row.text;
  }
  EXPECT_FALSE(is_terminal(job_state::unknown));
  EXPECT_FALSE(is_active(job_state::unknown));
}

TEST(TypesTest, CanonicalStateNamesRoundTrip) {
  for (auto s : {job_state::pending, job_state::in_progress, job_state::completed,
                 job_state::failed, job_state::unknown}) {
    EXPECT_EQ(parse_job_state(to_string(s)), s);
  }
  EXPECT_EQ(to_string(job_state::unknown), "RefreshUnknown");
}

}  // namespace
}  // namespace refreshd::client
