"""gunicorn signals on the real server: TERM drains, HUP keeps the model, USR2 switches versions.

The switch procedure tested here is the one README "Operations" documents.
"""

import contextlib
import math
import os
import signal
import threading
import time

import pytest
import requests

from tests.conftest import load_article
from tests.ops.procs import Load, clone_bundle, corrupt_bundle, point_current
from tests.servers import alive, children, start, stop, wait_for, wait_ready

pytestmark = pytest.mark.slow


@pytest.fixture
def models(tmp_path):
    """A models folder with two good versions and CURRENT on the first."""
    models = tmp_path / "models"
    models.mkdir()
    clone_bundle(models, "ops-a")
    clone_bundle(models, "ops-b")
    point_current(models, "ops-a")
    return models


@contextlib.contextmanager
def server_on(tmp_path, models):
    """A 2-worker server on ``models`` with a pidfile; afterwards everything it started is gone."""
    pidfile = tmp_path / "sikap.pid"
    srv = start(tmp_path, SIKAP_MODELS_DIR=str(models), GUNICORN_PIDFILE=str(pidfile))
    try:
        wait_ready(srv)
        yield srv, pidfile
    finally:
        # a master started by USR2 and not yet promoted, the one we started, a promoted one
        terminate(pidfile.with_name(pidfile.name + ".2"))
        stop(srv)
        terminate(pidfile)
        with contextlib.suppress(ProcessLookupError):  # whatever is left of the process group
            os.killpg(srv.proc.pid, signal.SIGKILL)


def terminate(pidfile) -> None:
    """TERM the master named in ``pidfile``, if any, and wait for it to go."""
    with contextlib.suppress(OSError, ValueError):
        pid = int(pidfile.read_text())
        os.kill(pid, signal.SIGTERM)
        wait_for(lambda: not alive(pid), 15, f"master {pid} to exit")


def served_version(srv) -> str:
    return requests.get(srv.url + "/v1/model", timeout=10).json()["version"]


def slow_batch_body(url: str, seconds: float) -> dict:
    """A batch that takes about ``seconds`` on this machine (calibrated, so fast and slow CI both work)."""
    text = load_article("id_istanbul_talks.json")["text"]
    t0 = time.monotonic()
    assert requests.post(url + "/v1/analyze/batch", json={"articles": [{"text": text}] * 16}, timeout=60).ok
    items = seconds / max((time.monotonic() - t0) / 16, 1e-4)
    repeat = max(1, math.ceil(items / 256))  # longer articles once the batch is full
    count = min(256, max(16, round(items / repeat)))
    return {"articles": [{"id": i, "text": "\n".join([text] * repeat)} for i in range(count)]}


def test_sigterm_drains_in_flight_requests_and_exits_0(tmp_path):
    srv = start(tmp_path)
    try:
        wait_ready(srv)
        body = slow_batch_body(srv.url, seconds=2.5)
        result = {}

        def send():
            result["resp"] = requests.post(srv.url + "/v1/analyze/batch", json=body, timeout=60)

        client = threading.Thread(target=send)
        started = time.monotonic()
        client.start()
        time.sleep(0.5)  # the batch is being analysed
        assert "resp" not in result, "batch finished too early to test draining"
        srv.proc.send_signal(signal.SIGTERM)
        client.join(30)
        assert srv.proc.wait(15) == 0
        elapsed = time.monotonic() - started
    finally:
        stop(srv)
    resp = result["resp"]
    assert resp.status_code == 200
    assert len(resp.json()["results"]) == len(body["articles"])
    assert all("error" not in r for r in resp.json()["results"])
    assert elapsed < 10, "drained within Docker's stop timeout"
    assert "Handling signal: term" in srv.log()


def test_hup_restarts_workers_but_keeps_the_preloaded_model(tmp_path, models):
    with server_on(tmp_path, models) as (srv, _):
        master = srv.proc.pid
        old_workers = wait_for(lambda: children(master) if len(children(master)) == 2 else None, 10, "2 workers")
        point_current(models, "ops-b")
        os.kill(master, signal.SIGHUP)
        wait_for(lambda: len(children(master)) == 2 and not (children(master) & old_workers), 20, "new workers")
        wait_ready(srv)
        # New workers are forks of the master, which still holds the model it preloaded.
        assert served_version(srv) == "ops-a"


def test_usr2_switches_model_version_under_load_without_dropping_requests(tmp_path, models):
    with server_on(tmp_path, models) as (srv, pidfile):
        old = srv.proc.pid
        assert int(pidfile.read_text()) == old
        with Load(srv.url) as load:
            wait_for(lambda: load.served("ops-a") >= 10, 20, "traffic on ops-a")
            point_current(models, "ops-b")
            os.kill(old, signal.SIGUSR2)
            new_pidfile = pidfile.with_name(pidfile.name + ".2")
            # the new master has loaded and verified ops-b when it writes <pidfile>.2
            new = int(wait_for(lambda: new_pidfile.exists() and new_pidfile.read_text().strip(), 60, "new master"))
            wait_for(lambda: load.served("ops-b") >= 5, 30, "new workers answering")
            os.kill(old, signal.SIGTERM)  # old master: stop accepting, finish in-flight, exit
            assert srv.proc.wait(15) == 0
            gone = time.monotonic()
            wait_for(lambda: pidfile.exists() and pidfile.read_text().strip() == str(new), 10, "pidfile handover")
            wait_for(
                lambda: time.monotonic() > gone + 2 and load.served("ops-b", since=gone + 0.5) >= 10,
                30,
                "traffic after the switch",
            )
        assert load.failures == []
        after = [v for t, _, v in load.results if t > gone + 0.5]
        assert after and set(after) == {"ops-b"}
        assert served_version(srv) == "ops-b"
        assert alive(new) and not new_pidfile.exists()
        print(f"\n{len(load.results)} requests during the switch, 0 failed")


def test_usr2_onto_a_corrupt_bundle_keeps_the_old_master_serving(tmp_path, models):
    corrupt_bundle(models, "ops-broken")
    with server_on(tmp_path, models) as (srv, pidfile):
        workers = wait_for(lambda: children(srv.proc.pid) if len(children(srv.proc.pid)) == 2 else None, 10, "workers")
        with Load(srv.url, threads=2) as load:
            point_current(models, "ops-broken")
            os.kill(srv.proc.pid, signal.SIGUSR2)
            wait_for(lambda: "refusing to start" in srv.log(), 60, "the new master to refuse")
            # Until the refused master has exited (and been reaped), another USR2 is ignored.
            wait_for(lambda: not children(srv.proc.pid) - workers, 30, "the refused master to exit")
            marker = time.monotonic()
            wait_for(lambda: load.served("ops-a", since=marker) >= 10, 30, "traffic after the refusal")
        assert load.failures == []
        assert "sha256" in srv.log() and "ops-broken" in srv.log()
        assert srv.proc.poll() is None and served_version(srv) == "ops-a"
        assert not pidfile.with_name(pidfile.name + ".2").exists()
        # once the pointer is fixed, the same master can be upgraded again
        point_current(models, "ops-b")
        os.kill(srv.proc.pid, signal.SIGUSR2)
        wait_for(lambda: pidfile.with_name(pidfile.name + ".2").exists(), 60, "a new master on ops-b")
