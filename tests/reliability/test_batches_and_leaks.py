"""Batches lose nothing; errors leak no stack traces, paths or article text; headers on every response."""

from __future__ import annotations

import json
import logging

import pytest

import service.api
from tests.reliability.tally import TALLY

JSON = {"Content-Type": "application/json"}
MARKER = "Zqxjv-Sikap-Secret-Article-Text"


def _item(i: int):
    """A 256-item mix: valid articles, and every kind of invalid item, in a fixed pattern."""
    kind = i % 8
    text = f"Artikel {i}: Rusia dikecam AS. Ukraina dipuji. {MARKER}"
    if kind == 0:
        return {"id": f"ok-{i}", "text": text}
    if kind == 1:
        return {"id": i, "text": text, "parties": ["Rusia", {"name": "Host", "spans": [[0, 7]]}]}
    if kind == 2:
        return {"id": f"bad-{i}", "text": ""}
    if kind == 3:
        return {"id": f"bad-{i}", "text": text, "parties": [{"name": "X", "spans": [[9, 2]]}]}
    if kind == 4:
        return {"id": f"bad-{i}", "text": text, "metadata": {"k": "\ud800"}}
    if kind == 5:
        return [f"bad-{i}"]
    if kind == 6:
        return {"id": f"ok-{i}", "text": text, "metadata": {"n": i}}
    return {"id": f"bad-{i}", "text": text, "language": "xx"}


@pytest.mark.timeout(120, method="thread")
def test_256_item_batch_loses_nothing(rel_client, quiet_access_log):
    items = [_item(i) for i in range(256)]
    resp = rel_client.post("/v1/analyze/batch", data=json.dumps({"articles": items}).encode(), headers=JSON)
    assert resp.status_code == 200
    results = json.loads(resp.get_data())["results"]
    assert len(results) == 256
    lost = 0
    for i, (item, result) in enumerate(zip(items, results, strict=True)):
        valid = i % 8 in (0, 1, 6)
        if valid:
            ok = "error" not in result and result["id"] == item["id"] and "sentiment" in result
        else:
            problem = result.get("error") or {}
            ok = problem.get("status") == 422 and problem.get("type", "").endswith("validation-error")
            ok = ok and result["id"] == (item["id"] if isinstance(item, dict) else None)
            ok = ok and all(e["field"].startswith(f"articles.{i}") for e in problem.get("errors", []))
            ok = ok and MARKER not in json.dumps(problem)
        lost += not ok
    TALLY["batch items lost (of 256)"] += lost
    assert lost == 0


PATHS = [
    ("get", "/healthz", None, 200),
    ("get", "/readyz", None, 200),
    ("get", "/metrics", None, 200),
    ("get", "/openapi.json", None, 200),
    ("get", "/apidoc/swagger/", None, 200),
    ("get", "/v1/parties", None, 200),
    ("get", "/nope/../../etc/passwd", None, 404),
    ("get", "/v1/analyze", None, 405),
    ("delete", "/v1/analyze/batch", None, 405),
    ("post", "/v1/analyze", b"{oops", 400),
    ("post", "/v1/analyze", b'{"text": ""}', 422),
    ("post", "/v1/analyze", b"x" * (6 * 1024 * 1024), 413),
]


@pytest.mark.parametrize(("method", "path", "body", "status"), PATHS)
def test_security_headers_on_every_response(rel_client, method, path, body, status):
    resp = getattr(rel_client, method)(path, data=body, headers=JSON if body is not None else {})
    assert resp.status_code == status
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["Cache-Control"] == "no-store"
    assert "Server" not in resp.headers or "/" not in resp.headers["Server"]
    if status >= 400:
        assert resp.headers["Content-Type"] == "application/problem+json"


@pytest.fixture
def exploding_engine(monkeypatch):
    """The engine fails with an exception whose message carries article text and a file path."""

    def boom(model, registry, text, *args, **kwargs):
        raise RuntimeError(f"failed on {text!r} in /work/main/service/engine/secret.py line 42")

    monkeypatch.setattr(service.api, "analyze_article", boom)


def test_unexpected_error_leaks_nothing(rel_client, exploding_engine, caplog, capfd):
    caplog.set_level(logging.DEBUG)
    body = {"id": "x", "text": f"Rusia dikecam. {MARKER}", "metadata": {"m": MARKER}}
    resp = rel_client.post("/v1/analyze", data=json.dumps(body).encode(), headers=JSON)
    assert resp.status_code == 500
    assert resp.headers["Content-Type"] == "application/problem+json"
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    text = resp.get_data(as_text=True)
    for leak in (MARKER, "Traceback", "/work", ".py", "RuntimeError"):
        assert leak not in text
    batch = rel_client.post("/v1/analyze/batch", data=json.dumps({"articles": [body]}).encode(), headers=JSON)
    assert batch.status_code == 500 and MARKER not in batch.get_data(as_text=True)
    logs = caplog.text + "".join(capfd.readouterr())
    assert "unhandled RuntimeError" in logs
    assert MARKER not in logs and "secret.py" not in logs and "Traceback" not in logs


def test_problem_details_never_echo_input(rel_client):
    bad = [
        {"text": MARKER, "language": MARKER},
        {"text": MARKER, "id": [MARKER]},
        {"text": MARKER, "metadata": {"x": float("inf"), "y": MARKER}},
        {"text": MARKER, "parties": [{"name": MARKER, "spans": [[0, 10**6]]}]},
    ]
    for body in bad:
        resp = rel_client.post("/v1/analyze", data=json.dumps(body).replace("Infinity", "1e999").encode(), headers=JSON)
        assert resp.status_code == 422
        assert MARKER not in resp.get_data(as_text=True), body


def test_unknown_keys_are_not_reflected_in_full(rel_client):
    """Field names are echoed in 422s (that is the point), but a 3 MB key is cut short."""
    body = b'{"text": "Rusia", "' + b"k" * 3_000_000 + b'": 1}'
    resp = rel_client.post("/v1/analyze", data=body, headers=JSON)
    assert resp.status_code == 422
    assert len(resp.get_data()) < 2000
