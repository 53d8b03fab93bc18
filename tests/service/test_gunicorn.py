"""The same contract once through the real gunicorn server (production config)."""

import json
import shutil

import pytest
import requests

from tests.servers import REPO, running, start

pytestmark = pytest.mark.slow
PROBLEM = "application/problem+json"
TEXT = (
    "ARTICLE AD BOX\nPresiden Rusia Vladimir Putin memuji Turki sebagai tuan rumah. "
    "Delegasi AS yang dipimpin Marco Rubio tiba di Istanbul. Ukraina menolak hadir. "
    "Baca juga: Iran kecam Israel\nKremlin menyebut perundingan berjalan baik."
)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with running(tmp_path_factory.mktemp("gunicorn")) as srv:
        yield srv


def post(server, path, body=None, **kw):
    return requests.post(server.url + path, json=body, timeout=30, **kw)


def test_analyze_indonesian_article(server):
    resp = post(server, "/v1/analyze", {"text": TEXT})
    assert resp.status_code == 200
    body = resp.json()
    assert body["language"] == "id"
    names = [p["name"] for p in body["parties"]]
    assert {"Russia", "United States", "Ukraine"} <= set(names)
    assert "Iran" not in names and "Israel" not in names  # only in a "Baca juga" line
    for p in body["parties"]:
        for ev in p["evidence"]:
            assert ev["text"] == TEXT[ev["start"] : ev["end"]]


def test_custom_parties_spans_and_batch(server):
    start = TEXT.index("tuan rumah")
    body = {
        "articles": [
            {"id": "ok", "text": TEXT, "parties": ["Rusia", {"name": "Host", "spans": [[start, start + 10]]}]},
            {"id": "bad", "text": TEXT, "parties": [{"name": "X", "spans": [[5, 1]]}]},
        ]
    }
    resp = post(server, "/v1/analyze/batch", body)
    assert resp.status_code == 200
    ok, bad = resp.json()["results"]
    assert [p["name"] for p in ok["parties"]] == ["Russia", "Host"]
    assert ok["parties"][1]["mentions"] == 1
    assert bad["id"] == "bad" and bad["error"]["status"] == 422


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status"),
    [
        ("post", "/v1/analyze", {"data": "{oops", "headers": {"Content-Type": "application/json"}}, 400),
        ("get", "/nope", {}, 404),
        ("get", "/v1/analyze", {}, 405),
        (
            "post",
            "/v1/analyze",
            {"data": b"x" * (6 * 1024 * 1024), "headers": {"Content-Type": "application/json"}},
            413,
        ),
        ("post", "/v1/analyze", {"data": "hi", "headers": {"Content-Type": "text/plain"}}, 415),
        ("post", "/v1/analyze", {"json": {"text": ""}}, 422),
        ("post", "/v1/analyze/batch", {"json": {"articles": []}}, 422),
    ],
)
def test_error_statuses(server, method, path, kwargs, status):
    resp = getattr(requests, method)(server.url + path, timeout=30, **kwargs)
    assert resp.status_code == status
    assert resp.headers["Content-Type"] == PROBLEM
    assert resp.json()["status"] == status


def test_ops_endpoints(server):
    assert requests.get(server.url + "/healthz", timeout=5).status_code == 200
    assert "sikap_http_requests_total" in requests.get(server.url + "/metrics", timeout=5).text
    assert requests.get(server.url + "/openapi.json", timeout=5).json()["openapi"].startswith("3.")


def test_refuses_to_start_with_altered_bundle(tmp_path):
    models = tmp_path / "models"
    version = (REPO / "models" / "CURRENT").read_text().strip()
    shutil.copytree(REPO / "models" / version, models / version)
    (models / "CURRENT").write_text(version)
    meta = json.loads((models / version / "metadata.json").read_text())
    meta["files"]["model.joblib"] = "0" * 64
    (models / version / "metadata.json").write_text(json.dumps(meta))
    server = start(tmp_path, SIKAP_MODELS_DIR=str(models))
    assert server.proc.wait(60) != 0
    assert "refusing to start" in server.log() and "sha256" in server.log()
