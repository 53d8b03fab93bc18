"""The container image, built and run the way production runs it.

Needs a Docker engine: CI runs ``../shared/tools/docker-engine`` first and sets
``SIKAP_DOCKER_TESTS=1`` when it works.  Without an engine the test is skipped
with the reason; with ``SIKAP_DOCKER_TESTS=1`` a missing engine is a failure.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
import uuid
from datetime import datetime

import pytest
import requests

from tests.conftest import load_article
from tests.servers import REPO, free_port

pytestmark = [pytest.mark.slow, pytest.mark.docker, pytest.mark.timeout(600)]
IMAGE = "sikap:test"
PARTIES = ["Russia", "United States", "Ukraine"]


def docker(*args: str, timeout: float = 60, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(["docker", *args], capture_output=True, text=True, timeout=timeout, check=check)


def engine_problem() -> str | None:
    """Why no Docker engine can be used here, or None when one answers."""
    if shutil.which("docker") is None:
        return "the docker CLI is not installed"
    try:
        info = docker("info", "--format", "{{.ServerVersion}}", timeout=30, check=False)
    except subprocess.TimeoutExpired:
        return "docker info timed out"
    if info.returncode != 0:
        return f"no Docker engine answers ({(info.stderr or info.stdout).strip()[:200]})"
    return None


@pytest.fixture(scope="module")
def image():
    if os.environ.get("SIKAP_DOCKER_TESTS") == "0":
        pytest.skip("SIKAP_DOCKER_TESTS=0")
    problem = engine_problem()
    if problem:
        if os.environ.get("SIKAP_DOCKER_TESTS") == "1":
            pytest.fail(f"SIKAP_DOCKER_TESTS=1 but {problem}")
        reason = f"container test skipped: {problem}; run ../shared/tools/docker-engine to enable it"
        print(f"\n{reason}")
        pytest.skip(reason)
    previous = docker("image", "inspect", "-f", "{{.Id}}", IMAGE, check=False).stdout.strip()
    started = time.monotonic()
    build = subprocess.run(
        ["docker", "build", "--network", "host", "-t", IMAGE, "."],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=540,
    )
    assert build.returncode == 0, f"docker build failed:\n{build.stdout[-3000:]}\n{build.stderr[-3000:]}"
    size = int(docker("image", "inspect", "-f", "{{.Size}}", IMAGE).stdout)
    if previous and previous != docker("image", "inspect", "-f", "{{.Id}}", IMAGE).stdout.strip():
        docker("image", "rm", previous, check=False)  # the last run's image: full copies on vfs add up
    print(f"\nimage {IMAGE}: built in {time.monotonic() - started:.0f} s, {size / 1e6:.0f} MB")
    return IMAGE


@pytest.fixture
def container(image):
    """The image running as in production (read-only root, tmpfs /tmp), on a free host port."""
    name = f"sikap-test-{uuid.uuid4().hex[:8]}"
    port = free_port()
    started = time.monotonic()
    docker(
        "run",
        "--detach",
        "--name",
        name,
        "--network",
        "host",
        "--read-only",
        "--tmpfs",
        "/tmp",
        "--env",
        f"PORT={port}",
        "--env",
        "WEB_CONCURRENCY=2",
        "--health-interval",
        "1s",
        image,
    )
    try:
        yield name, f"http://127.0.0.1:{port}", started
    finally:
        logs = docker("logs", "--tail", "30", name, check=False)
        print(f"\n--- last container log lines ---\n{logs.stdout[-3000:]}{logs.stderr[-3000:]}")
        docker("rm", "--force", name, check=False)


def inspect(name: str, template: str) -> str:
    return docker("inspect", "-f", template, name).stdout.strip()


def test_container_serves_is_healthy_runs_unprivileged_and_stops_cleanly(container):
    name, url, started = container

    # readiness: container start -> /readyz 200
    deadline = started + 90
    while True:
        try:
            if requests.get(url + "/readyz", timeout=1).status_code == 200:
                break
        except requests.RequestException:
            pass
        assert inspect(name, "{{.State.Running}}") == "true", "container exited before it was ready"
        assert time.monotonic() < deadline, "not ready after 90 s"
        time.sleep(0.1)
    ready_at = time.time()
    cold_start = time.monotonic() - started
    # Without the engine's share (creating the container's filesystem: seconds on vfs, ~0 on overlay2)
    process_started = datetime.fromisoformat(inspect(name, "{{.State.StartedAt}}")[:26].rstrip("Z") + "+00:00")
    print(
        f"\ncold start: docker run -> /readyz 200 {cold_start:.1f} s; "
        f"container process start -> /readyz 200 {ready_at - process_started.timestamp():.1f} s"
    )

    # an Indonesian article, analysed through the container
    article = load_article("id_istanbul_talks.json")
    body = {"id": "docker-1", "title": article["title"], "text": article["text"], "language": "id", "parties": PARTIES}
    resp = requests.post(url + "/v1/analyze", json=body, timeout=30, headers={"X-Request-ID": "docker-test-1"})
    assert resp.status_code == 200, resp.text
    result = resp.json()
    assert result["language"] == "id"
    assert [p["name"] for p in result["parties"]] == PARTIES
    for party in result["parties"]:
        assert -1 <= party["score"] <= 1 and party["mentions"] > 0
        for ev in party["evidence"]:
            assert ev["text"] == article["text"][ev["start"] : ev["end"]]
    assert requests.get(url + "/v1/model", timeout=10).json()["version"] == result["model"]["version"]

    # the image's HEALTHCHECK (python, against /readyz) turns healthy
    deadline = time.monotonic() + 30
    while inspect(name, "{{.State.Health.Status}}") != "healthy":
        assert time.monotonic() < deadline, inspect(name, "{{json .State.Health}}")
        time.sleep(0.5)

    # not root: neither the image's configured user nor the process
    user = inspect(name, "{{.Config.User}}")
    assert user and user.split(":")[0] not in ("0", "root")
    assert docker("exec", name, "id", "-u").stdout.strip() not in ("", "0")
    # and the code cannot be changed from inside, even without --read-only
    assert docker("exec", name, "python", "-c", "import os; print(os.access('/app/service', os.W_OK))").stdout == (
        "False\n"
    )

    # one JSON access-log line per request, carrying the request id
    logs = docker("logs", name)
    lines = [json.loads(x) for x in (logs.stdout + logs.stderr).splitlines() if x.startswith("{")]
    assert any(x.get("request_id") == "docker-test-1" and x["status"] == 200 for x in lines)

    # docker stop: SIGTERM, gunicorn drains and exits 0 well before the 10 s kill
    t0 = time.monotonic()
    docker("stop", name, timeout=30)
    stop_seconds = time.monotonic() - t0
    print(f"docker stop: {stop_seconds:.1f} s, exit code {inspect(name, '{{.State.ExitCode}}')}")
    assert stop_seconds < 15
    assert inspect(name, "{{.State.ExitCode}}") == "0"
