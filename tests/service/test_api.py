"""The v1 HTTP contract through the Flask test client (tiny model)."""

import pytest

PROBLEM = "application/problem+json"
ARTICLE = (
    "Presiden Rusia Vladimir Putin dipuji Turki. Delegasi AS bertemu di Istanbul. "
    "Ukraina dikecam karena gagal hadir. Kremlin berbicara di Moskow."
)


def assert_problem(resp, status):
    assert resp.status_code == status, resp.get_data(as_text=True)
    assert resp.mimetype == PROBLEM
    body = resp.get_json()
    assert body["status"] == status
    assert body["title"] and body["type"] and body["detail"]
    assert "Traceback" not in body["detail"] and "/work" not in body["detail"]
    return body


def test_analyze_scores_builtin_parties(client):
    resp = client.post("/v1/analyze", json={"id": "a1", "text": ARTICLE})
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["id"] == "a1"
    assert body["model"]["version"] == "tiny-1"
    assert body["sentiment"]["label"] in {"negative", "neutral", "positive"}
    assert set(body["sentiment"]["probabilities"]) == {"negative", "neutral", "positive"}
    by_name = {p["name"]: p for p in body["parties"]}
    assert {"Russia", "United States", "Ukraine", "Türkiye"} <= set(by_name)
    russia = by_name["Russia"]
    assert russia["mentions"] == 4  # Rusia, Vladimir Putin, Kremlin, Moskow
    assert {m["name"] for m in russia["members"]} == {"Vladimir Putin", "Kremlin", "Moscow"}
    assert body["parties"][0]["name"] == "Russia"  # most salient first
    for p in body["parties"]:
        assert -1 <= p["score"] <= 1 and 0 <= p["confidence"] <= 1
        for ev in p["evidence"]:
            assert ev["text"] == ARTICLE[ev["start"] : ev["end"]]


def test_explicit_parties_named_as_given_even_without_mentions(client):
    resp = client.post("/v1/analyze", json={"text": ARTICLE, "parties": ["Rusia", "AS", "Jepang"]})
    assert resp.status_code == 200
    names = [p["name"] for p in resp.get_json()["parties"]]
    assert names == ["Russia", "United States", "Japan"]
    japan = resp.get_json()["parties"][2]
    assert japan["mentions"] == 0 and japan["insufficient_evidence"] is True and japan["confidence"] == 0


def test_custom_party_with_aliases_and_caller_spans(client):
    text = "KPK dipuji publik. Komisi Pemberantasan Korupsi bertemu di Jakarta. Lembaga itu gagal."
    start = text.index("Lembaga itu")
    resp = client.post(
        "/v1/analyze",
        json={
            "text": text,
            "parties": [{"name": "KPK", "aliases": ["Komisi Pemberantasan Korupsi"], "spans": [[start, start + 11]]}],
        },
    )
    assert resp.status_code == 200
    (kpk,) = resp.get_json()["parties"]
    assert kpk["name"] == "KPK" and kpk["mentions"] == 3
    assert any(ev["start"] <= start < ev["end"] for ev in kpk["evidence"])


def test_title_mentions_count_but_evidence_indexes_text(client):
    resp = client.post("/v1/analyze", json={"title": "Rusia dipuji", "text": "Rusia berkunjung kemarin."})
    (russia,) = resp.get_json()["parties"]
    assert russia["mentions"] == 2 and russia["mentions_in_title"] == 1
    assert all(ev["text"] == "Rusia berkunjung kemarin."[ev["start"] : ev["end"]] for ev in russia["evidence"])


def test_language_given_and_detected(client):
    assert client.post("/v1/analyze", json={"text": ARTICLE}).get_json()["language"] == "id"
    en = "Russian President Vladimir Putin was praised by Turkey while Ukraine was blamed for the failure."
    assert client.post("/v1/analyze", json={"text": en}).get_json()["language"] == "en"
    assert client.post("/v1/analyze", json={"text": en, "language": "id"}).get_json()["language"] == "id"


def test_metadata_echoed(client):
    resp = client.post("/v1/analyze", json={"text": ARTICLE, "metadata": {"url": "https://x/y", "n": 1}})
    assert resp.get_json()["metadata"] == {"url": "https://x/y", "n": 1}


def test_batch_keeps_order_and_isolates_bad_items(client):
    articles = [
        {"id": 1, "text": ARTICLE},
        {"id": 2, "text": ""},
        "not an object",
        {"id": 4, "text": "Jepang dipuji.", "parties": ["Atlantis"]},
        {"id": 5, "text": "Jepang dipuji.", "language": "en"},
    ]
    resp = client.post("/v1/analyze/batch", json={"articles": articles})
    assert resp.status_code == 200
    results = resp.get_json()["results"]
    assert len(results) == 5
    assert results[0]["id"] == 1 and results[0]["parties"]
    assert results[1]["id"] == 2 and results[1]["error"]["status"] == 422
    assert results[1]["error"]["errors"][0]["field"].startswith("articles.1.text")
    assert results[2]["error"]["status"] == 422 and results[2]["id"] is None
    assert "Atlantis" in results[3]["error"]["detail"]
    assert results[4]["id"] == 5 and results[4]["language"] == "en"


@pytest.mark.parametrize("n", [0, 257])
def test_batch_size_limits(client, n):
    body = assert_problem(client.post("/v1/analyze/batch", json={"articles": [{"text": "x"}] * n}), 422)
    assert body["errors"][0]["field"] == "articles"


def test_malformed_json_400(client):
    body = assert_problem(client.post("/v1/analyze", data='{"text": "x",', content_type="application/json"), 400)
    assert "Malformed JSON" in body["detail"]


def test_unknown_path_404(client):
    assert_problem(client.get("/v1/nope"), 404)


def test_wrong_method_405(client):
    resp = client.get("/v1/analyze")
    assert_problem(resp, 405)
    assert "POST" in resp.headers["Allow"]


def test_body_over_limit_413(tiny_model, registry):
    from service.app import create_app
    from tests.conftest import make_settings

    small = create_app(tiny_model, registry, make_settings(max_body_bytes=2048)).test_client()
    body = assert_problem(small.post("/v1/analyze", json={"text": "a" * 5000}), 413)
    assert "2048" in body["detail"]


def test_wrong_content_type_415(client):
    assert_problem(client.post("/v1/analyze", data="text=hello", content_type="text/plain"), 415)
    assert_problem(client.post("/v1/analyze", data="{}"), 415)


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "text"),
        ({"text": ""}, "text"),
        ({"text": "   "}, "text"),
        ({"text": 42}, "text"),
        ({"text": "x" * 200_001}, "text"),
        ({"text": "Rusia", "language": "fr"}, "language"),
        ({"text": "Rusia", "parties": ["Atlantis"]}, "parties"),
        ({"text": "Rusia", "parties": [{"name": "X", "spans": [[0, 99]]}]}, "body"),
        ({"text": "Rusia", "parties": [{"name": "X", "spans": [[3, 1]]}]}, "body"),
        ({"text": "Rusia", "parties": [{"name": "X", "spans": [[-1, 2]]}]}, "body"),
        ({"text": "Rusia", "parties": ["Rusia", "Russia"]}, "parties"),
        ({"text": "Rusia", "unknown_field": 1}, "unknown_field"),
        ([1, 2], "body"),
    ],
)
def test_schema_violations_422(client, payload, field):
    body = assert_problem(client.post("/v1/analyze", json=payload), 422)
    assert body["errors"], body
    assert any(e["field"].startswith(field) for e in body["errors"]), body["errors"]


def test_ops_endpoints(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}
    assert client.get("/readyz").get_json()["status"] == "ready"
    parties = client.get("/v1/parties").get_json()["parties"]
    assert any(p["name"] == "Russia" for p in parties)
    assert client.get("/v1/model").get_json()["version"] == "tiny-1"
    doc = client.get("/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    assert {"/v1/analyze", "/v1/analyze/batch", "/v1/parties", "/v1/model"} <= set(doc["paths"])
    assert "AnalyzeRequest" in str(doc["components"]["schemas"])


def test_metrics_count_requests(client):
    client.post("/v1/analyze", json={"text": ARTICLE})
    text = client.get("/metrics").get_data(as_text=True)
    assert 'sikap_http_requests_total{endpoint="/v1/analyze",method="POST",status="200"} 1.0' in text
    assert "sikap_articles_scored_total 1.0" in text
    assert 'sikap_model_info{version="tiny-1"} 1.0' in text


def test_request_id_echoed_and_security_headers(client):
    resp = client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert resp.headers["X-Request-ID"] == "abc-123"
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert len(client.get("/healthz").headers["X-Request-ID"]) == 32
