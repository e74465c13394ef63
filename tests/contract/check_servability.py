#!/usr/bin/env python3
"""Contract check of milvus-refresh-sim's servability endpoints.

Usage:  python3 check_servability.py http://127.0.0.1:PORT

Drives the simulator's control API (sim/README.md) and checks the three servability endpoints
of docs/api/milvus-refresh-api.md section 12 (POST /v2/vectordb/indexes/list,
/v2/vectordb/indexes/describe, /v2/vectordb/collections/get_load_state) over HTTP: envelopes,
key sets, index build progression after a completed refresh, a failed build, load states, the
"old server" 404 switch, optional dbName, auth, rate limits and errors.
Python standard library only. Prints one PASS line per check; stops at the first failure
(FAIL line, exit 1). Ends with "N passed, M failed".
"""
import json
import sys
import time
import urllib.error
import urllib.request

BASE = sys.argv[1].rstrip("/") if len(sys.argv) > 1 else "http://127.0.0.1:19530"
JOB = "/v2/vectordb/jobs/external_collection/"
INDEX_LIST = "/v2/vectordb/indexes/list"
INDEX_DESCRIBE = "/v2/vectordb/indexes/describe"
LOAD_STATE = "/v2/vectordb/collections/get_load_state"
SERVABILITY = (INDEX_LIST, INDEX_DESCRIBE, LOAD_STATE)
INDEX_KEYS = {"indexName", "fieldName", "indexType", "metricType", "indexState", "totalRows",
              "indexedRows", "pendingRows", "failReason"}
FAIL_REASON = "segment 7: out of memory while building the index"
passed = []


def post(path, body, raw=None, token=None, headers=None):
    data = raw if raw is not None else json.dumps(body).encode()
    req = urllib.request.Request(BASE + path, data=data, method="POST")
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", "Bearer " + token)
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def call(path, body, **kw):
    status, raw = post(path, body, **kw)
    try:
        return status, json.loads(raw)
    except ValueError:
        return status, raw


def ok(path, body, **kw):
    status, rsp = call(path, body, **kw)
    assert status == 200 and isinstance(rsp, dict), "%s: HTTP %s %r" % (path, status, rsp)
    assert set(rsp) == {"code", "data"} and rsp["code"] == 0, "%s: success envelope must be exactly {code:0,data}: %r" % (path, rsp)
    return rsp["data"]


def ctl(path, body=None):
    status, raw = post("/_sim/" + path, body or {})
    assert status == 200, "control %s answered %s %r" % (path, status, raw[:200])


def stats():
    with urllib.request.urlopen(BASE + "/_sim/stats", timeout=10) as r:
        return json.loads(r.read())


def expect_error(rsp, code=None, substr=None, http=200):
    status, body = rsp
    assert status == http, "HTTP %s, expected %s: %r" % (status, http, body)
    assert isinstance(body, dict) and set(body) == {"code", "message"}, "error envelope must be exactly {code,message}: %r" % (body,)
    assert isinstance(body["code"], int) and body["code"] != 0, body
    assert isinstance(body["message"], str) and body["message"], body
    if code is not None:
        assert body["code"] == code, "code %s, expected %s: %r" % (body["code"], code, body)
    if substr is not None:
        assert substr.lower() in body["message"].lower(), "message lacks %r: %r" % (substr, body)


def describe_index(name, index="vector", db=None):
    body = {"collectionName": name, "indexName": index}
    if db:
        body["dbName"] = db
    data = ok(INDEX_DESCRIBE, body)
    assert isinstance(data, list) and len(data) == 1, "describe data must be a one-element array: %r" % (data,)
    info = data[0]
    assert set(info) == INDEX_KEYS, "index keys: %r" % sorted(info)
    assert info["indexName"] == index and info["indexState"] in ("InProgress", "Finished", "Failed"), info
    for k in ("totalRows", "indexedRows", "pendingRows"):
        assert isinstance(info[k], int) and info[k] >= 0, info
    if info["indexState"] == "InProgress":
        assert info["indexedRows"] + info["pendingRows"] == info["totalRows"] and info["pendingRows"] > 0, info
    if info["indexState"] == "Finished":
        assert info["pendingRows"] == 0 and info["indexedRows"] == info["totalRows"] and info["failReason"] == "", info
    if info["indexState"] == "Failed":
        assert info["failReason"], "a failed index needs a failReason: %r" % info
    return info


def load_state(name, db=None):
    body = {"collectionName": name}
    if db:
        body["dbName"] = db
    data = ok(LOAD_STATE, body)
    state = data.get("loadState")
    assert state in ("LoadStateNotLoad", "LoadStateLoading", "LoadStateLoaded"), data
    if state == "LoadStateNotLoad":
        assert data == {"loadState": "LoadStateNotLoad"}, data
    else:
        assert set(data) == {"loadState", "loadProgress"}, data
        assert isinstance(data["loadProgress"], int) and 0 <= data["loadProgress"] <= 100, data
        if state == "LoadStateLoaded":
            assert data["loadProgress"] == 100, data
    return data


def refresh_and_wait(name, db=None, limit=10.0):
    body = {"collectionName": name}
    if db:
        body["dbName"] = db
    jid = ok(JOB + "refresh", body)["jobId"]
    t0 = time.time()
    while time.time() - t0 < limit:
        info = ok(JOB + "describe", {"jobId": jid})
        if info["state"] in ("RefreshCompleted", "RefreshFailed"):
            return info
        time.sleep(0.02)
    raise AssertionError("job %d not terminal after %.0fs" % (jid, limit))


def setup():
    ctl("reset")
    quick = {"pending_ms": 30, "running_ms": 100}
    ctl("collections", [
        {"name": "ext_books", "job": quick, "rows": 1000, "index": {"rows_per_s": 1000}, "load": {"load_ms": 600}},
        {"name": "ext_bad_index", "job": quick, "rows": 200, "index": {"rows_per_s": 1000, "outcome": "failed", "reason": FAIL_REASON}},
        {"name": "ext_unloaded", "job": quick, "load": {"loaded": False}},
        {"name": "ext_noindex", "job": quick, "indexes": [], "load": {"load_ms": 300}},
        {"name": "ext_stuck", "job": quick, "index": {"rows_per_s": 0}},
        {"name": "ext_two", "job": quick, "indexes": ["vector", "title"]},
        {"database": "media", "name": "ext_movies", "job": quick},
    ])


def t_before_refresh():
    setup()
    assert ok(INDEX_LIST, {"collectionName": "ext_books"}) == ["vector"]
    assert ok(INDEX_LIST, {"collectionName": "ext_two"}) == ["vector", "title"]
    assert ok(INDEX_LIST, {"collectionName": "ext_noindex"}) == [], "no index must be []"
    info = describe_index("ext_books")
    assert info == {"indexName": "vector", "fieldName": "vector", "indexType": "AUTOINDEX", "metricType": "COSINE",
                    "indexState": "Finished", "totalRows": 0, "indexedRows": 0, "pendingRows": 0, "failReason": ""}, info
    assert load_state("ext_books") == {"loadState": "LoadStateLoaded", "loadProgress": 100}


def t_progression():
    setup()
    assert refresh_and_wait("ext_books")["state"] == "RefreshCompleted"
    seen, pending, t0 = [], None, time.time()
    while time.time() - t0 < 10:
        load_before = load_state("ext_books")
        info = describe_index("ext_books")
        assert info["totalRows"] == 1000, info
        if pending is not None:
            assert info["pendingRows"] <= pending, "pendingRows must not grow: %r after %d" % (info, pending)
        pending = info["pendingRows"]
        seen.append(info["indexState"])
        if info["indexState"] == "InProgress":  # so it was not caught up when load_before was read
            assert load_before == {"loadState": "LoadStateLoading", "loadProgress": 0}, "loading waits for the index: %r" % load_before
        if info["indexState"] == "Finished":
            break
        time.sleep(0.02)
    assert "InProgress" in seen and seen[-1] == "Finished", seen
    assert info["pendingRows"] == 0 and info["indexedRows"] == 1000, info
    states, t0 = [], time.time()
    while time.time() - t0 < 10:
        data = load_state("ext_books")
        states.append((data["loadState"], data["loadProgress"]))
        if data["loadState"] == "LoadStateLoaded":
            break
        time.sleep(0.02)
    assert states[-1] == ("LoadStateLoaded", 100), states
    progress = [p for s, p in states if s == "LoadStateLoading"]
    assert progress and progress == sorted(progress), "loadProgress must rise while loading: %r" % states
    assert describe_index("ext_two", "title")["indexName"] == "title"


def t_failed_index():
    setup()
    refresh_and_wait("ext_bad_index")
    t0 = time.time()
    while time.time() - t0 < 10:
        info = describe_index("ext_bad_index")
        if info["indexState"] == "Failed":
            break
        time.sleep(0.02)
    assert info["indexState"] == "Failed" and info["failReason"] == FAIL_REASON, info
    assert info["pendingRows"] == 0 and info["totalRows"] == 200, info
    assert load_state("ext_bad_index")["loadState"] == "LoadStateLoading", "a failed index never catches up"


def t_load_states():
    setup()
    assert load_state("ext_unloaded") == {"loadState": "LoadStateNotLoad"}
    refresh_and_wait("ext_unloaded")
    assert load_state("ext_unloaded") == {"loadState": "LoadStateNotLoad"}
    refresh_and_wait("ext_stuck")
    time.sleep(0.3)
    info = describe_index("ext_stuck")
    assert info["indexState"] == "InProgress" and info["pendingRows"] == 1000 and info["indexedRows"] == 0, info
    assert load_state("ext_stuck") == {"loadState": "LoadStateLoading", "loadProgress": 0}
    refresh_and_wait("ext_noindex")
    states, t0 = [], time.time()
    while time.time() - t0 < 10:
        data = load_state("ext_noindex")
        states.append(data["loadState"])
        if data["loadState"] == "LoadStateLoaded":
            break
        time.sleep(0.02)
    assert "LoadStateLoading" in states and states[-1] == "LoadStateLoaded", states


def t_db_name():
    setup()
    assert ok(INDEX_LIST, {"dbName": "media", "collectionName": "ext_movies"}) == ["vector"]
    assert describe_index("ext_movies", db="media")["indexState"] == "Finished"
    assert load_state("ext_movies", db="media")["loadState"] == "LoadStateLoaded"
    assert ok(LOAD_STATE, {"collectionName": "ext_movies"}, headers={"DB-Name": "media"})["loadState"] == "LoadStateLoaded"
    assert ok(INDEX_LIST, {"dbName": "default", "collectionName": "ext_books"}) == ["vector"]
    expect_error(call(INDEX_LIST, {"collectionName": "ext_movies"}), 100, "collection not found")


def t_errors():
    setup()
    for path in SERVABILITY:
        expect_error(call(path, {"collectionName": "nope", "indexName": "vector"}), 100, "collection not found")
        expect_error(call(path, None, raw=b""), 1801, "request body")
        expect_error(call(path, None, raw=b"{"), 1801, "json format request")
        expect_error(call(path, None, raw=b"[]"), 1801, "json format request")
        expect_error(call(path, {}), 1802, "missing required parameters")
        expect_error(call(path, {"collectionName": 5, "indexName": "vector"}), 1801, "json")
        expect_error(call(path, {"dbName": "nodb", "collectionName": "ext_books", "indexName": "vector"}), 800, "database not found")
        status, rsp = call(path, {"collectionName": "ext_books", "indexName": "vector", "unexpected": 1})
        assert status == 200 and rsp.get("code") == 0, "unknown keys are ignored: %r" % rsp
    expect_error(call(INDEX_DESCRIBE, {"collectionName": "ext_books"}), 1802, "IndexName")
    expect_error(call(INDEX_DESCRIBE, {"collectionName": "ext_books", "indexName": "title"}), 700, "index not found")
    expect_error(call(INDEX_DESCRIBE, {"collectionName": "ext_noindex", "indexName": "vector"}), 700, "index not found")
    for path in SERVABILITY:
        req = urllib.request.Request(BASE + path, method="GET")
        try:
            urllib.request.urlopen(req, timeout=10)
            raise AssertionError("GET %s must be 404" % path)
        except urllib.error.HTTPError as e:
            assert e.code == 404, "GET %s answered %s" % (path, e.code)


def t_absent_routes():
    setup()
    ctl("config", {"servability_routes_absent": True})
    for path in SERVABILITY:
        status, raw = post(path, {"collectionName": "ext_books", "indexName": "vector"})
        assert status == 404 and raw == b"404 page not found", "absent servability route: %s %r" % (status, raw)
    assert refresh_and_wait("ext_books")["state"] == "RefreshCompleted", "the refresh API keeps working"
    ctl("config", {"servability_routes_absent": False, "routes_absent": True})
    for path in SERVABILITY + (JOB + "refresh",):
        status, _ = post(path, {"collectionName": "ext_books", "indexName": "vector"})
        assert status == 404, "routes_absent must hide %s too, got %s" % (path, status)
    ctl("config", {"routes_absent": False})
    assert ok(INDEX_LIST, {"collectionName": "ext_books"}) == ["vector"]


def t_auth():
    setup()
    ctl("config", {"auth_token": "s3cret"})
    body = {"collectionName": "ext_books", "indexName": "vector"}
    for path in SERVABILITY:
        expect_error(call(path, body), 1800, "authenticated", http=401)
        expect_error(call(path, body, token="wrong"), 1800, None, http=401)
        assert call(path, body, token="s3cret")[1].get("code") == 0, path


def t_rate_limit():
    setup()
    ctl("config", {"rate_limit": {"rps": 1}})
    body = {"collectionName": "ext_books", "indexName": "vector"}
    for path in SERVABILITY:
        for _ in range(3):
            ok(path, body)  # scope "refresh": not limited
    ctl("config", {"rate_limit": {"rps": 1, "scope": "all"}})
    for path in SERVABILITY:
        answers = [call(path, body) for _ in range(3)]
        assert answers[0][1].get("code") == 0, answers
        expect_error(answers[-1], 1807, "rejected by limiter")


def t_stats():
    setup()
    ok(INDEX_LIST, {"collectionName": "ext_books"})
    describe_index("ext_books")
    describe_index("ext_books")
    load_state("ext_books")
    st = stats()
    req = st["requests"]
    assert {"refresh", "describe", "list"} <= set(req), st
    assert (req["index_list"], req["index_describe"], req["load_state"]) == (1, 2, 1), req
    assert st["triggers"] == 0, st


CHECKS = [("before any refresh", t_before_refresh), ("refresh then index and load progression", t_progression),
          ("failed index build", t_failed_index), ("load states", t_load_states), ("dbName optional", t_db_name),
          ("errors", t_errors), ("absent routes (old server)", t_absent_routes), ("auth", t_auth),
          ("rate limit", t_rate_limit), ("stats", t_stats)]

for name, fn in CHECKS:
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - report the first failure and stop
        print("FAIL", name, "-", "%s: %s" % (type(e).__name__, e))
        print("%d passed, 1 failed" % len(passed))
        sys.exit(1)
    passed.append(name)
    print("PASS", name)

print("%d passed, 0 failed" % len(passed))
sys.exit(0)
