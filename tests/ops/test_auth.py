"""Optional API keys: /v1/* needs a configured bearer key; ops endpoints stay open."""

import pytest

from service.app import create_app
from tests.conftest import make_settings

PROBLEM = "application/problem+json"
KEYS = ("alpha-7c1e9d0b", "beta-52f4a6e3")
ARTICLE = {"text": "Presiden Rusia Vladimir Putin bertemu utusan AS di Istanbul."}
V1 = [
    ("post", "/v1/analyze", {"json": ARTICLE}),
    ("post", "/v1/analyze/batch", {"json": {"articles": [ARTICLE]}}),
    ("get", "/v1/parties", {}),
    ("get", "/v1/model", {}),
]
OPEN = ["/healthz", "/readyz", "/metrics", "/openapi.json", "/docs"]


@pytest.fixture
def keyed(tiny_model, registry):
    return create_app(tiny_model, registry, make_settings(api_keys=" , ".join(KEYS))).test_client()


def call(client, method, path, kwargs, authorization=None):
    headers = {"Authorization": authorization} if authorization is not None else {}
    return getattr(client, method)(path, headers=headers, **kwargs)


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "",
        "Bearer",
        "Bearer ",
        "Bearer wrong-key",
        f"Bearer {KEYS[0][:-1]}",  # a prefix of a real key
        f"Bearer {KEYS[0]}x",
        f"Bearer {KEYS[0]},{KEYS[1]}",
        KEYS[0],  # no scheme
        f"Basic {KEYS[0]}",
        f"Token {KEYS[0]}",
    ],
)
@pytest.mark.parametrize(("method", "path", "kwargs"), V1)
def test_missing_or_wrong_key_is_401_problem(keyed, method, path, kwargs, authorization):
    resp = call(keyed, method, path, kwargs, authorization)
    assert resp.status_code == 401
    assert resp.headers["Content-Type"] == PROBLEM
    assert resp.headers["WWW-Authenticate"].startswith("Bearer")
    body = resp.get_json(force=True)
    assert body["status"] == 401 and body["type"] and body["title"] and body["detail"]
    for key in KEYS:  # configured keys are never revealed
        assert key not in resp.get_data(as_text=True)


@pytest.mark.parametrize("key", KEYS)
@pytest.mark.parametrize(("method", "path", "kwargs"), V1)
def test_right_key_is_200(keyed, method, path, kwargs, key):
    assert call(keyed, method, path, kwargs, f"Bearer {key}").status_code == 200
    assert call(keyed, method, path, kwargs, f"bearer {key}").status_code == 200  # scheme is case-insensitive


@pytest.mark.parametrize("path", OPEN)
def test_health_readiness_metrics_and_docs_stay_open(keyed, path):
    assert keyed.get(path).status_code == 200


def test_keys_from_a_file(tiny_model, registry, tmp_path):
    keys = tmp_path / "keys.txt"
    keys.write_text("# newsroom A\nfile-key-1\n\n  file-key-2  \n", encoding="utf-8")
    client = create_app(tiny_model, registry, make_settings(api_keys_file=keys)).test_client()
    assert client.post("/v1/analyze", json=ARTICLE).status_code == 401
    assert client.post("/v1/analyze", json=ARTICLE, headers={"Authorization": "Bearer # newsroom A"}).status_code == 401
    for key in ("file-key-1", "file-key-2"):
        assert client.post("/v1/analyze", json=ARTICLE, headers={"Authorization": f"Bearer {key}"}).status_code == 200


def test_keys_from_the_environment(tiny_model, registry, monkeypatch):
    monkeypatch.setenv("SIKAP_API_KEYS", "env-key-1,env-key-2")
    monkeypatch.delenv("SIKAP_API_KEYS_FILE", raising=False)
    from service.config import Settings

    client = create_app(tiny_model, registry, Settings()).test_client()
    assert client.get("/v1/model").status_code == 401
    assert client.get("/v1/model", headers={"Authorization": "Bearer env-key-2"}).status_code == 200


def test_off_by_default(client):
    assert client.post("/v1/analyze", json=ARTICLE).status_code == 200


def test_rejected_requests_are_counted_by_status(keyed):
    keyed.get("/v1/model")
    assert 'endpoint="/v1/model",method="GET",status="401"} 1.0' in keyed.get("/metrics").get_data(as_text=True)
