#include <charconv>

#include <nlohmann/json.hpp>

#include <refreshd/coord/etcd_wire.hpp>
#include <refreshd/net/base64.hpp>

namespace refreshd::coord {
namespace {

using json = nlohmann::json;

json parse(std::string_view body) {
  try {
    return json::parse(body);
  } catch (const json::exception&) {
    throw malformed_answer("the answer is not JSON");
  }
}

// A field that is there: absent and null are proto3's default, left out.
const json* present(const json& j, const char* name) {
  const auto it = j.find(name);
  return it == j.end() || it->is_null() ? nullptr : &*it;
}

[[noreturn]] void wrong_type(const char* name, const char* expected) {
  throw malformed_answer(std::string("field '") + name + "' is not " + expected);
}

// int64 fields come as strings ("7587"); numbers are taken too. Absent: 0.
std::int64_t int_field(const json& j, const char* name) {
  const json* f = present(j, name);
  if (f == nullptr) {
    return 0;
  }
  if (f->is_number_integer()) {
    return f->get<std::int64_t>();
  }
  if (f->is_string()) {
    const auto& s = f->get_ref<const std::string&>();
    std::int64_t v = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec == std::errc() && end == s.data() + s.size()) {
      return v;
    }
  }
  wrong_type(name, "an int64");
}

bool bool_field(const json& j, const char* name) {
  const json* f = present(j, name);
  if (f != nullptr && !f->is_boolean()) {
    wrong_type(name, "a boolean");
  }
  return f != nullptr && f->get<bool>();
}

std::string bytes_field(const json& j, const char* name) {
  const json* f = present(j, name);
  if (f == nullptr) {
    return {};
  }
  if (!f->is_string()) {
    wrong_type(name, "a string");
  }
  auto decoded = base64_decode(f->get_ref<const std::string&>(), base64_padding::required);
  if (!decoded) {
    wrong_type(name, "base64");
  }
  return std::move(*decoded);
}

// An object or array field; absent: an empty one.
const json& nested_field(const json& j, const char* name, json::value_t type) {
  static const json empty_object = json::object();
  static const json empty_array = json::array();
  const bool array = type == json::value_t::array;
  const json* f = present(j, name);
  if (f == nullptr) {
    return array ? empty_array : empty_object;
  }
  if (f->type() != type) {
    wrong_type(name, array ? "an array" : "an object");
  }
  return *f;
}

const json& object_field(const json& j, const char* name) {
  return nested_field(j, name, json::value_t::object);
}

const json& array_field(const json& j, const char* name) {
  return nested_field(j, name, json::value_t::array);
}

json range_json(const range_request& r) {
  json j{{"key", base64_encode(r.key)}};
  if (!r.range_end.empty()) {
    j["range_end"] = base64_encode(r.range_end);
  }
  if (r.limit > 0) {
    j["limit"] = std::to_string(r.limit);
  }
  if (r.keys_only) {
    j["keys_only"] = true;
  }
  if (r.serializable) {
    j["serializable"] = true;
  }
  return j;
}

json put_json(const put_request& r) {
  json j{{"key", base64_encode(r.key)}, {"value", base64_encode(r.value)}};
  if (r.lease != 0) {
    j["lease"] = std::to_string(r.lease);
  }
  return j;
}

json delete_json(const delete_request& r) {
  json j{{"key", base64_encode(r.key)}};
  if (!r.range_end.empty()) {
    j["range_end"] = base64_encode(r.range_end);
  }
  return j;
}

json compare_json(const compare& c) {
  static constexpr const char* targets[] = {"VERSION", "CREATE", "MOD", "VALUE", "LEASE"};
  static constexpr const char* results[] = {"EQUAL", "GREATER", "LESS", "NOT_EQUAL"};
  static constexpr const char* fields[] = {"version", "create_revision", "mod_revision", "value",
                                           "lease"};
  const auto t = static_cast<std::size_t>(c.what);
  json j{{"key", base64_encode(c.key)},
         {"target", targets[t]},
         {"result", results[static_cast<std::size_t>(c.op)]}};
  if (c.what == compare::target::value) {
    j["value"] = base64_encode(c.value);
  } else {
    j[fields[t]] = std::to_string(c.number);
  }
  return j;
}

json txn_json(const txn_request& r);

json op_json(const txn_op& op) {
  if (const auto* r = std::get_if<range_request>(&op)) {
    return json{{"request_range", range_json(*r)}};
  }
  if (const auto* p = std::get_if<put_request>(&op)) {
    return json{{"request_put", put_json(*p)}};
  }
  if (const auto* t = std::get_if<nested_txn>(&op)) {
    return json{{"request_txn", t->txn ? txn_json(*t->txn) : json::object()}};
  }
  return json{{"request_delete_range", delete_json(std::get<delete_request>(op))}};
}

json txn_json(const txn_request& r) {
  json j = json::object();
  json& cmp = j["compare"] = json::array();
  for (const auto& c : r.compares) {
    cmp.push_back(compare_json(c));
  }
  json& ok = j["success"] = json::array();
  for (const auto& op : r.success) {
    ok.push_back(op_json(op));
  }
  json& fail = j["failure"] = json::array();
  for (const auto& op : r.failure) {
    fail.push_back(op_json(op));
  }
  return j;
}

key_value key_value_of(const json& kv) {
  key_value k;
  k.key = bytes_field(kv, "key");
  k.value = bytes_field(kv, "value");
  k.create_revision = int_field(kv, "create_revision");
  k.mod_revision = int_field(kv, "mod_revision");
  k.version = int_field(kv, "version");
  k.lease = int_field(kv, "lease");
  return k;
}

range_result range_of(const json& j) {
  range_result r;
  for (const auto& kv : array_field(j, "kvs")) {
    if (!kv.is_object()) {
      throw malformed_answer("an entry of 'kvs' is not an object");
    }
    r.kvs.push_back(key_value_of(kv));
  }
  r.more = bool_field(j, "more");
  r.count = int_field(j, "count");
  r.revision = int_field(object_field(j, "header"), "revision");
  return r;
}

// A transaction's answer; a nested one's has no header of its own (proto3 leaves it out).
txn_result txn_of(const json& j) {
  txn_result r;
  r.succeeded = bool_field(j, "succeeded");
  r.revision = int_field(object_field(j, "header"), "revision");
  for (const auto& resp : array_field(j, "responses")) {
    if (!resp.is_object()) {
      throw malformed_answer("an entry of 'responses' is not an object");
    }
    r.ranges.push_back(range_of(object_field(resp, "response_range")));
    r.txns.push_back(resp.contains("response_txn") ? txn_of(object_field(resp, "response_txn"))
                                                   : txn_result{});
  }
  return r;
}

}  // namespace

std::string prefix_end(std::string_view prefix) {
  std::string end(prefix);
  while (!end.empty()) {
    auto& last = reinterpret_cast<unsigned char&>(end.back());
    if (last < 0xff) {
      ++last;
      return end;
    }
    end.pop_back();
  }
  return std::string(1, '\0');  // every key (etcd: "\0" as range_end)
}

range_request key_range(std::string key) {
  range_request r;
  r.key = std::move(key);
  return r;
}

range_request prefix_range(const std::string& prefix) {
  range_request r;
  r.key = prefix;
  r.range_end = prefix_end(prefix);
  return r;
}

std::string range_body(const range_request& r) {
  return range_json(r).dump();
}
std::string put_body(const put_request& r) {
  return put_json(r).dump();
}
std::string delete_body(const delete_request& r) {
  return delete_json(r).dump();
}

std::string txn_body(const txn_request& r) {
  return txn_json(r).dump();
}

std::string lease_grant_body(std::int64_t ttl_seconds) {
  return json{{"TTL", std::to_string(ttl_seconds)}}.dump();
}

std::string lease_id_body(std::int64_t id) {
  return json{{"ID", std::to_string(id)}}.dump();
}

std::string watch_create_body(const range_request& r, std::int64_t start_revision) {
  json create = range_json(r);
  create.erase("limit");
  create.erase("keys_only");
  create.erase("serializable");
  if (start_revision > 0) {
    create["start_revision"] = std::to_string(start_revision);
  }
  create["progress_notify"] = true;
  return json{{"create_request", std::move(create)}}.dump();
}

watch_response read_watch(std::string_view message) {
  const json j = parse(message);
  if (!j.is_object()) {
    throw malformed_answer("a watch message is not an object");
  }
  watch_response w;
  if (const json* e = present(j, "error")) {
    w.canceled = true;
    const json* m = e->is_object() ? present(*e, "message") : nullptr;
    w.cancel_reason = m != nullptr && m->is_string() ? m->get<std::string>() : "the stream broke";
    return w;
  }
  const json& r = object_field(j, "result");
  w.created = bool_field(r, "created");
  w.canceled = bool_field(r, "canceled");
  w.compact_revision = int_field(r, "compact_revision");
  if (const json* why = present(r, "cancel_reason"); why != nullptr && why->is_string()) {
    w.cancel_reason = why->get<std::string>();
  }
  w.revision = int_field(object_field(r, "header"), "revision");
  for (const auto& e : array_field(r, "events")) {
    if (!e.is_object()) {
      throw malformed_answer("an entry of 'events' is not an object");
    }
    watch_event ev;
    // proto3 leaves out PUT, the enum's default.
    const json* type = present(e, "type");
    ev.deleted = type != nullptr && type->is_string() && type->get<std::string>() == "DELETE";
    ev.kv = key_value_of(object_field(e, "kv"));
    w.events.push_back(std::move(ev));
  }
  return w;
}

range_result read_range(std::string_view body) {
  return range_of(parse(body));
}

std::int64_t read_revision(std::string_view body) {
  return int_field(object_field(parse(body), "header"), "revision");
}

txn_result read_txn(std::string_view body) {
  return txn_of(parse(body));
}

lease_grant_result read_lease_grant(std::string_view body) {
  const json j = parse(body);
  lease_grant_result r{int_field(j, "ID"), int_field(j, "TTL")};
  if (r.id == 0) {
    throw malformed_answer("lease grant without an 'ID'");
  }
  return r;
}

std::optional<std::int64_t> read_keepalive(std::string_view body) {
  const json j = parse(body);
  // The gateway wraps stream replies in {"result": {...}}.
  const json& r = j.contains("result") ? object_field(j, "result") : j;
  if (!r.contains("TTL")) {
    return std::nullopt;
  }
  const auto ttl = int_field(r, "TTL");
  return ttl > 0 ? std::optional<std::int64_t>(ttl) : std::nullopt;
}

std::string read_token(std::string_view body) {
  const json j = parse(body);
  const auto it = j.find("token");
  if (it == j.end() || !it->is_string() || it->get_ref<const std::string&>().empty()) {
    throw malformed_answer("authenticate answer without a 'token'");
  }
  return it->get<std::string>();
}

wire_error read_error(int http_status, std::string_view body) {
  wire_error e;
  e.http_status = http_status;
  try {
    const json j = json::parse(body);
    if (j.is_object()) {
      if (const auto it = j.find("code"); it != j.end() && it->is_number_integer()) {
        e.code = it->get<int>();
      }
      for (const char* name : {"message", "error"}) {
        if (const auto it = j.find(name); it != j.end() && it->is_string()) {
          e.message = it->get<std::string>();
          break;
        }
      }
    }
  } catch (const json::exception&) {
    e.message = "HTTP " + std::to_string(http_status) + " with a body that is not JSON";
  }
  if (e.message.empty()) {
    e.message = "HTTP " + std::to_string(http_status);
  }
  return e;
}

}  // namespace refreshd::coord
