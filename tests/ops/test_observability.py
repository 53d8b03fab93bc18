"""Metrics and access logs through the real gunicorn server with two workers."""

import json
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from prometheus_client.mmap_dict import MmapedDict
from prometheus_client.parser import text_string_to_metric_families

from tests.servers import running

pytestmark = pytest.mark.slow

# Words that can reach the log only by copying the article.
SECRET_TITLE, SECRET_TEXT, SECRET_META = "Quokkanadir", "Zephyrmolten", "Vexillumbra"
ARTICLE = {
    "title": f"Rusia dan AS bertemu, kata {SECRET_TITLE}",
    "text": f"Presiden Rusia Vladimir Putin memuji {SECRET_TEXT} di Istanbul. "
    "Delegasi AS menuding Kremlin mengulur waktu.",
}
ANALYZE = ("/v1/analyze", "POST", "200")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("observability")
    metrics_dir = tmp / "metrics"
    with running(tmp, WEB_CONCURRENCY="2", PROMETHEUS_MULTIPROC_DIR=str(metrics_dir)) as srv:
        yield srv, metrics_dir


def per_worker(metrics_dir, name="sikap_http_requests", labels=ANALYZE) -> dict[int, float]:
    """This counter's value in each process's own sample file (what /metrics adds up)."""
    out = {}
    for path in metrics_dir.glob("counter_*.db"):
        pid = int(path.stem.split("_")[1])
        for key, value, _ts, _pos in MmapedDict.read_all_values_from_file(str(path)):
            _metric, sample, lab, _help = json.loads(key)
            if sample == name + "_total" and (lab.get("endpoint"), lab.get("method"), lab.get("status")) == labels:
                out[pid] = out.get(pid, 0.0) + value
    return out


def scrape(url) -> dict[tuple, float]:
    text = requests.get(url + "/metrics", timeout=10).text
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def analyze_count(samples) -> float:
    key = ("sikap_http_requests_total", (("endpoint", ANALYZE[0]), ("method", ANALYZE[1]), ("status", ANALYZE[2])))
    return samples.get(key, 0.0)


def test_counters_from_two_workers_add_up(server):
    srv, metrics_dir = server
    before = scrape(srv.url)
    before_pids = per_worker(metrics_dir)

    def one(i):
        return requests.post(srv.url + "/v1/analyze", json={**ARTICLE, "id": i}, timeout=30).status_code

    sent = 0
    with ThreadPoolExecutor(4) as pool:
        # Rounds of concurrent requests until both workers have served some (almost always the first).
        while sent < 400:
            assert set(pool.map(one, range(sent, sent + 40))) == {200}
            sent += 40
            grown = {p: n - before_pids.get(p, 0) for p, n in per_worker(metrics_dir).items()}
            if sum(1 for n in grown.values() if n > 0) >= 2:
                break
    grown = {p: n - before_pids.get(p, 0) for p, n in per_worker(metrics_dir).items()}
    served = {p: n for p, n in grown.items() if n > 0}
    assert len(served) >= 2, f"one worker served everything: {grown}"
    assert sum(served.values()) == sent
    print(f"\n{sent} requests, per worker pid: {served}")

    # Every scrape (whichever worker answers it) reports the whole server.
    for _ in range(4):
        after = scrape(srv.url)
        assert analyze_count(after) - analyze_count(before) == sent
        assert after[("sikap_articles_scored_total", ())] - before.get(("sikap_articles_scored_total", ()), 0) == sent
        hist = ("sikap_http_request_duration_seconds_count", (("endpoint", "/v1/analyze"),))
        assert after[hist] - before.get(hist, 0) == sent
        assert any(name == "sikap_model_info" and value == 1 for (name, _), value in after.items())


def test_one_json_access_log_line_per_request_without_article_text(server):
    srv, _ = server
    rid = {name: f"ops-{name}-{uuid.uuid4().hex[:8]}" for name in ("ok", "batch", "422", "400", "404")}
    ok = requests.post(
        srv.url + "/v1/analyze",
        json={**ARTICLE, "metadata": {"note": SECRET_META}},
        headers={"X-Request-ID": rid["ok"]},
        timeout=30,
    )
    assert ok.status_code == 200 and ok.headers["X-Request-ID"] == rid["ok"]
    batch = requests.post(
        srv.url + "/v1/analyze/batch",
        json={"articles": [ARTICLE, {"text": SECRET_TEXT, "language": SECRET_META}]},
        headers={"X-Request-ID": rid["batch"]},
        timeout=30,
    )
    assert batch.status_code == 200
    bad = requests.post(
        srv.url + "/v1/analyze",
        json={"text": SECRET_TEXT, "parties": [SECRET_META]},
        headers={"X-Request-ID": rid["422"]},
        timeout=30,
    )
    assert bad.status_code == 422 and bad.headers["X-Request-ID"] == rid["422"]
    malformed = requests.post(
        srv.url + "/v1/analyze",
        data=f'{{"text": "{SECRET_TEXT}",',
        headers={"X-Request-ID": rid["400"], "Content-Type": "application/json"},
        timeout=30,
    )
    assert malformed.status_code == 400
    missing = requests.get(srv.url + f"/{SECRET_META}", headers={"X-Request-ID": rid["404"]}, timeout=10)
    assert missing.status_code == 404
    generated = requests.get(srv.url + "/healthz", timeout=10).headers["X-Request-ID"]
    assert len(generated) == 32

    log = srv.log()
    lines = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    by_id = {}
    for line in lines:
        by_id.setdefault(line["request_id"], []).append(line)
    expected = {"ok": 200, "batch": 200, "422": 422, "400": 400, "404": 404}
    for name, status in expected.items():
        (entry,) = by_id[rid[name]]  # exactly one line per request
        assert entry["event"] == "request" and entry["status"] == status
        assert {"method", "path", "duration_ms", "model"} <= entry.keys()
        assert entry["duration_ms"] >= 0
    assert by_id[generated][0]["path"] == "/healthz"
    for secret in (SECRET_TITLE, SECRET_TEXT):
        assert secret not in log, "article text leaked into the log"
    assert SECRET_META not in log.replace(f'"/{SECRET_META}"', ""), "request values leaked into the log"
