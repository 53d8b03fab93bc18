"""Hostile request bodies: each gets a 4xx problem+json or a correct 200, never a 5xx or a hang."""

from __future__ import annotations

import gc
import json
import time

import pytest

from service.schemas import MAX_ALIASES, MAX_NAME, MAX_PARTIES, MAX_SPANS, MAX_TEXT
from tests.reliability.tally import TALLY, record_status

PROBLEM = "application/problem+json"
JSON = {"Content-Type": "application/json"}
ARTICLE = "Presiden Rusia Vladimir Putin dikecam AS. Ukraina menyambut baik perundingan di Istanbul."
SURROGATE = "\ud800"


def raw(obj: object) -> bytes:
    """JSON bytes exactly as a careless client would send them (lone surrogates escaped)."""
    return json.dumps(obj).encode()


def nested(depth: int, inner: bytes = b"1") -> bytes:
    return b'{"a":' * depth + inner + b"}" * depth


def _with(**fields: object) -> dict:
    return {"text": ARTICLE, **fields}


# (name, body bytes, acceptable statuses); all to POST /v1/analyze.
CASES: list[tuple[str, bytes, set[int]]] = [
    ("deep array 1e5", b"[" * 100_000 + b"]" * 100_000, {400}),
    ("deep object 1e5", nested(100_000), {400}),
    ("deep metadata 1e5", b'{"text":"a","metadata":' + nested(100_000) + b"}", {400}),
    ("deep metadata 500", b'{"text":"a","metadata":' + nested(500) + b"}", {422}),
    ("metadata 30 levels", b'{"text":"Rusia","metadata":' + nested(30) + b"}", {200}),
    ("huge float in metadata", b'{"text":"Rusia","metadata":{"x":1e999999}}', {422}),
    ("huge negative float", b'{"text":"Rusia","metadata":{"x":[-1e999999]}}', {422}),
    ("NaN literal", b'{"text":"Rusia","metadata":{"x":NaN}}', {400}),
    ("Infinity literal", b'{"text":"Rusia","metadata":{"x":Infinity}}', {400}),
    ("-Infinity id", b'{"text":"Rusia","id":-Infinity}', {400}),
    ("1e5-digit int in metadata", b'{"text":"a","metadata":{"x":' + b"9" * 100_000 + b"}}", {400}),
    ("1e5-digit int id", b'{"text":"a","id":' + b"9" * 100_000 + b"}", {400}),
    ("4000-digit int id", b'{"text":"Rusia","id":' + b"9" * 4000 + b"}", {200}),
    ("huge float id", b'{"text":"a","id":1e999999}', {422}),
    ("float span", b'{"text":"Rusia","parties":[{"name":"x","spans":[[0,1e999]]}]}', {422}),
    ("bool span", b'{"text":"Rusia","parties":[{"name":"x","spans":[[false,true]]}]}', {422}),
    (
        "NUL bytes everywhere",
        raw(_with(text="Rusia\x00 dikecam\x00.", title="\x00", id="\x00", metadata={"\x00": "\x00"})),
        {200},
    ),
    ("NUL party and alias", raw(_with(parties=[{"name": "N\x00", "aliases": ["\x00x"]}])), {200}),
    ("only NUL text", raw({"text": "\x00" * 1000}), {200, 422}),
    ("invalid UTF-8", b'{"text":"\xff\xfe\xfa"}', {400}),
    # json.loads decodes bytes with "surrogatepass": this becomes a lone surrogate -> 422
    ("UTF-8 encoded surrogate (CESU)", b'{"text":"\xed\xa0\x80"}', {400, 422}),
    ("CESU surrogate in metadata", b'{"text":"Rusia","metadata":{"\xed\xa0\x80":"\xed\xb0\x80"}}', {400, 422}),
    ("overlong UTF-8", b'{"text":"\xc0\xaf"}', {400}),
    ("truncated UTF-8", b'{"text":"Rusia \xe2\x82"}', {400}),
    ("latin-1 body", '{"text":"Türkiye menolak"}'.encode("latin-1"), {400}),
    ("UTF-8 BOM", b"\xef\xbb\xbf" + raw({"text": ARTICLE}), {200}),
    ("UTF-16 body", raw({"text": ARTICLE}).decode().encode("utf-16"), {200, 400}),
    ("duplicate keys", b'{"text":"Rusia","text":"Ukraina dipuji"}', {200}),
    ("top-level number", b"42", {422}),
    ("top-level string", b'"text"', {422}),
    ("top-level true", b"true", {422}),
    ("top-level null", b"null", {422}),
    ("top-level array", b'[{"text":"Rusia"}]', {422}),
    ("empty body", b"", {400}),
    ("whitespace body", b" \n\t ", {400}),
    ("trailing garbage", raw({"text": "Rusia"}) + b"}", {400}),
    ("two documents", raw({"text": "Rusia"}) * 2, {400}),
    ("valid emoji pair", b'{"text":"Rusia \\ud83d\\ude00 dipuji"}', {200}),
    ("unknown field", raw(_with(extra=1)), {422}),
    ("text max length", raw({"text": ("Rusia dikecam AS. " * (MAX_TEXT // 18 + 1))[:MAX_TEXT]}), {200}),
    ("text over max", raw({"text": "a" * (MAX_TEXT + 1)}), {422}),
    ("one token x33000", raw({"text": "Rusia " * 33_000}), {200}),
    ("short cased alias x28000", raw({"text": "AS dan " * 28_000}), {200}),
    ("no spaces 200k", raw({"text": "x" * MAX_TEXT}), {200}),
    ("200k newlines", raw({"text": "Rusia" + "\n" * (MAX_TEXT - 5)}), {200}),
    ("200k dots", raw({"text": "Rusia" + ". " * ((MAX_TEXT - 5) // 2)}), {200}),
    ("200k chrome lines", raw({"text": ("Baca juga: Rusia\n" * 12_000)[:MAX_TEXT]}), {200}),
    (
        "parties at max",
        raw(_with(parties=[{"name": f"P{i}", "aliases": [f"alias{i}"]} for i in range(MAX_PARTIES)])),
        {200},
    ),
    ("parties over max", raw(_with(parties=[{"name": f"P{i}"} for i in range(MAX_PARTIES + 1)])), {422}),
    ("5000 parties", raw(_with(parties=[f"P{i}" for i in range(5000)])), {422}),
    ("aliases at max, long", raw(_with(parties=[{"name": "X", "aliases": ["Rusia " * 33] * MAX_ALIASES}])), {200}),
    ("aliases over max", raw(_with(parties=[{"name": "X", "aliases": ["a"] * (MAX_ALIASES + 1)}])), {422}),
    ("alias over max length", raw(_with(parties=[{"name": "X", "aliases": ["a" * (MAX_NAME + 1)]}])), {422}),
    (
        "regex metacharacters",
        raw(
            _with(
                parties=[{"name": "(a+)+$", "aliases": [".*", "[", "\\", "(?R)", "^$", "a{99999}", "Rusia|AS", "C++"]}]
            )
        ),
        {200},
    ),
    ("blank alias", raw(_with(parties=[{"name": "X", "aliases": ["   "]}])), {422}),
    ("punctuation-only alias", raw(_with(parties=[{"name": "!!!", "aliases": ["...", "-"]}])), {200}),
    ("unknown builtin", raw(_with(parties=["Atlantis"])), {422}),
    ("repeated party", raw(_with(parties=["Rusia", "Russia"])), {422}),
    (
        "spans at max",
        raw(_with(parties=[{"name": "X", "spans": [[i % 80, i % 80 + 5] for i in range(MAX_SPANS)]}])),
        {200},
    ),
    ("spans over max", raw(_with(parties=[{"name": "X", "spans": [[0, 1]] * (MAX_SPANS + 1)}])), {422}),
    ("reversed span", raw(_with(parties=[{"name": "X", "spans": [[5, 1]]}])), {422}),
    ("span past text", raw(_with(parties=[{"name": "X", "spans": [[0, len(ARTICLE) + 1]]}])), {422}),
    ("negative span", raw(_with(parties=[{"name": "X", "spans": [[-1, 3]]}])), {422}),
    ("span of 3 ints", raw(_with(parties=[{"name": "X", "spans": [[0, 1, 2]]}])), {422}),
    ("whole-text span", raw(_with(parties=[{"name": "X", "spans": [[0, len(ARTICLE)]]}])), {200}),
    ("bad language", raw(_with(language="xx")), {422}),
    ("metadata not an object", raw(_with(metadata=[1, 2])), {422}),
    ("huge metadata string", raw(_with(metadata={"x": "é" * 500_000})), {200}),
]
for field in ("text", "title", "id"):
    CASES.append((f"lone surrogate in {field}", raw(_with(**{field: f"Rusia {SURROGATE} x"})), {422}))
CASES += [
    ("lone low surrogate in text", raw({"text": "Rusia \udfff"}), {422}),
    ("lone surrogate: builtin party", raw(_with(parties=[SURROGATE])), {422}),
    ("lone surrogate: custom name", raw(_with(parties=[{"name": SURROGATE}])), {422}),
    ("lone surrogate: alias", raw(_with(parties=[{"name": "X", "aliases": ["a" + SURROGATE]}])), {422}),
    ("lone surrogate: metadata value", raw(_with(metadata={"url": SURROGATE})), {422}),
    ("lone surrogate: metadata key", raw(_with(metadata={SURROGATE: 1})), {422}),
    ("lone surrogate: nested metadata", raw(_with(metadata={"a": [{"b": ["ok", SURROGATE]}]})), {422}),
]


def check_problem(resp) -> dict:
    assert resp.headers["Content-Type"] == PROBLEM, resp.headers["Content-Type"]
    body = resp.get_json(force=True)
    assert {"type", "title", "status", "detail"} <= body.keys()
    assert body["status"] == resp.status_code
    assert "Traceback" not in body["detail"] and "/work" not in body["detail"]
    return body


def check_analysis(resp, text: str) -> dict:
    body = json.loads(resp.get_data())  # strict: the response must be valid JSON
    assert resp.headers["Content-Type"] == "application/json"
    assert -1 <= body["sentiment"]["score"] <= 1
    for party in body["parties"]:
        assert -1 <= party["score"] <= 1 and 0 <= party["confidence"] <= 1
        for ev in party["evidence"]:
            assert 0 <= ev["start"] < ev["end"] <= len(text)
            assert ev["text"] == text[ev["start"] : ev["end"]]
    return body


@pytest.mark.timeout(240, method="thread")
def test_hostile_bodies(rel_client, quiet_access_log):
    slow = []
    for name, body, expected in CASES:
        started = time.monotonic()
        resp = rel_client.post("/v1/analyze", data=body, headers=JSON)
        took = time.monotonic() - started
        record_status(resp.status_code, "hostile bodies tried")
        assert resp.status_code in expected, (name, resp.status_code, resp.get_data()[:300])
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
        if resp.status_code == 200:
            try:
                text = json.loads(body.decode("utf-8-sig"))["text"]
            except (UnicodeDecodeError, ValueError):
                text = json.loads(body)["text"]
            check_analysis(resp, text)
        else:
            check_problem(resp)
        if took > 10:
            slow.append((name, round(took, 1)))
    assert not slow, f"bounded, but too close to the 20 s budget: {slow}"


def test_metadata_echoed_exactly(rel_client):
    metadata = {"url": "https://example.org/berita?id=1&x=é", "n": [1, 2.5, None, True], "d": {"e": "\x00 ok 😀"}}
    resp = rel_client.post("/v1/analyze", data=raw(_with(metadata=metadata)), headers=JSON)
    assert resp.status_code == 200
    assert json.loads(resp.get_data())["metadata"] == metadata


@pytest.mark.parametrize(
    ("content_type", "status"),
    [("text/plain", 415), ("application/x-www-form-urlencoded", 415), (None, 415), ("application/json", 400)],
)
def test_wrong_content_types(rel_client, content_type, status):
    headers = {"Content-Type": content_type} if content_type else {}
    resp = rel_client.post("/v1/analyze", data=b"text=Rusia", headers=headers)
    record_status(resp.status_code, "hostile bodies tried")
    assert resp.status_code == status
    check_problem(resp)


def test_body_over_limit_is_413(rel_client):
    body = raw({"text": "a", "metadata": {"x": "a" * (5 * 1024 * 1024)}})
    for path in ("/v1/analyze", "/v1/analyze/batch"):
        resp = rel_client.post(path, data=body, headers=JSON)
        record_status(resp.status_code, "hostile bodies tried")
        assert resp.status_code == 413
        check_problem(resp)


@pytest.mark.parametrize(
    "body",
    [
        b"[]",
        b"{}",
        b'{"articles": {}}',
        b'{"articles": "x"}',
        b'{"articles": []}',
        b'{"articles": null}',
        b"[" * 100_000,
    ],
)
def test_hostile_batch_envelopes(rel_client, body):
    resp = rel_client.post("/v1/analyze/batch", data=body, headers=JSON)
    record_status(resp.status_code, "hostile bodies tried")
    assert resp.status_code in {400, 422}
    check_problem(resp)


def test_hostile_batch_items_each_get_their_own_problem(rel_client):
    hostile = [
        {"text": SURROGATE},
        {"text": "Rusia", "metadata": {SURROGATE: SURROGATE}},
        {"text": "Rusia", "metadata": {"x": float("inf")}},
        {"text": "Rusia", "id": SURROGATE},
        42,
        None,
        "Rusia",
        [],
        {"text": "Rusia " * 33_000},
        {"text": "Rusia", "parties": [{"name": "X", "aliases": ["(a+)+$"]}]},
    ]
    body = json.dumps({"articles": hostile}, allow_nan=True).replace("Infinity", "1e999999").encode()
    resp = rel_client.post("/v1/analyze/batch", data=body, headers=JSON)
    record_status(resp.status_code, "hostile bodies tried")
    assert resp.status_code == 200
    results = json.loads(resp.get_data())["results"]
    assert len(results) == len(hostile)
    statuses = [r["error"]["status"] if "error" in r else 200 for r in results]
    assert statuses == [422, 422, 422, 422, 422, 422, 422, 422, 200, 200]
    assert all(r["id"] is None for r in results[:4])  # a surrogate id is never echoed


@pytest.mark.timeout(60, method="thread")
def test_time_budget_gives_503_and_app_keeps_serving(tiny_model, registry):
    from service.app import create_app
    from tests.conftest import make_settings

    client = create_app(tiny_model, registry, make_settings(request_budget_seconds=0.05)).test_client()
    # hypothesis leaves a gc callback installed; an alarm raising inside it would be
    # reported as an unraisable-exception warning (the budget re-arms, but the warning is an error here)
    gc.disable()
    try:
        _exceed_budget(client)
    finally:
        gc.enable()


def _exceed_budget(client) -> None:
    resp = client.post("/v1/analyze", data=raw({"text": "Rusia dikecam AS. " * 11_000}), headers=JSON)
    TALLY["time-budget 503s provoked (expected)"] += 1
    assert resp.status_code == 503
    assert check_problem(resp)["type"].endswith("time-budget-exceeded")
    assert resp.headers["Retry-After"] == "1"
    batch = {"articles": [{"id": i, "text": "Rusia dikecam AS. " * 3000} for i in range(20)]}
    resp = client.post("/v1/analyze/batch", data=raw(batch), headers=JSON)
    assert resp.status_code == 200
    results = resp.get_json()["results"]
    assert [r["id"] for r in results] == list(range(20))  # nothing lost: late items get their own 503
    assert any(r.get("error", {}).get("status") == 503 for r in results)
    assert client.post("/v1/analyze", data=raw({"text": "Rusia dipuji."}), headers=JSON).status_code == 200
