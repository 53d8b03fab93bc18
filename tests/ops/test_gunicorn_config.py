"""service/gunicorn.conf.py read the way gunicorn reads it (executed as a file)."""

import os
import platform
import runpy

import pytest

from tests.servers import REPO

CONF = str(REPO / "service" / "gunicorn.conf.py")
ENV = (
    "HOST",
    "PORT",
    "WEB_CONCURRENCY",
    "GUNICORN_PIDFILE",
    "GUNICORN_TIMEOUT",
    "GUNICORN_GRACEFUL_TIMEOUT",
    "GUNICORN_MAX_REQUESTS",
    "GUNICORN_PID",
    "PROMETHEUS_MULTIPROC_DIR",
    "SIKAP_METRICS_DIR_PREPARED_BY",
    "SIKAP_METRICS_DIR_CREATED",
    "SIKAP_TRIM_AFTER_BYTES",
)


@pytest.fixture
def env(monkeypatch):
    """A clean slate for the variables the config reads and writes; restored afterwards."""
    for name in ENV:
        monkeypatch.setenv(name, "x")  # recorded, so even variables the config sets are undone
        monkeypatch.delenv(name)
    return monkeypatch


def load() -> dict:
    return runpy.run_path(CONF)


def test_production_defaults(env, tmp_path):
    env.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    conf = load()
    assert conf["workers"] == conf["available_cpus"]() >= 1
    assert 1 <= conf["available_cpus"]() <= (os.cpu_count() or 1)
    assert conf["preload_app"] is True
    assert conf["worker_class"] == "sync"
    # SIGTERM drains within Docker's default 10 s stop timeout, so the master exits 0
    assert conf["graceful_timeout"] < 10
    assert conf["timeout"] >= conf["graceful_timeout"]
    assert conf["max_requests"] > 0 and 0 < conf["max_requests_jitter"] < conf["max_requests"]
    assert conf["pidfile"] is None
    assert conf["worker_tmp_dir"] == "/dev/shm"
    assert conf["bind"] == "127.0.0.1:8080"
    assert callable(conf["pre_fork"]) and callable(conf["child_exit"])


def test_environment_overrides(env, tmp_path):
    env.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path / "m"))
    env.setenv("WEB_CONCURRENCY", "3")
    env.setenv("HOST", "0.0.0.0")
    env.setenv("PORT", "9001")
    env.setenv("GUNICORN_PIDFILE", str(tmp_path / "sikap.pid"))
    env.setenv("GUNICORN_GRACEFUL_TIMEOUT", "5")
    conf = load()
    assert conf["workers"] == 3
    assert conf["bind"] == "0.0.0.0:9001"
    assert conf["pidfile"] == str(tmp_path / "sikap.pid")
    assert conf["graceful_timeout"] == 5


def test_given_metrics_dir_is_emptied_at_start_only(env, tmp_path):
    metrics = tmp_path / "metrics"
    metrics.mkdir()
    (metrics / "counter_1.db").write_bytes(b"stale")
    env.setenv("PROMETHEUS_MULTIPROC_DIR", str(metrics))
    conf = load()
    assert list(metrics.iterdir()) == []  # a previous run's counters are not added to this one's
    (metrics / "counter_2.db").write_bytes(b"live")
    load()  # SIGHUP: the same master reads the file again while its workers are writing
    assert (metrics / "counter_2.db").exists()
    conf["remove_own_metrics_dir"]()
    assert metrics.is_dir(), "a folder the operator gave is left in place"


def test_new_master_of_an_upgrade_keeps_the_shared_folder(env, tmp_path):
    metrics = tmp_path / "metrics"
    metrics.mkdir()
    (metrics / "counter_2.db").write_bytes(b"live")
    env.setenv("PROMETHEUS_MULTIPROC_DIR", str(metrics))
    env.setenv("GUNICORN_PID", "12345")  # set by gunicorn in the master started by SIGUSR2
    load()
    assert (metrics / "counter_2.db").exists()


def test_own_metrics_dir_in_dev_shm_removed_on_exit(env):
    conf = load()
    path = os.environ["PROMETHEUS_MULTIPROC_DIR"]
    assert path.startswith("/dev/shm/sikap-metrics-")
    assert load()["_metrics_dir"] == path  # SIGHUP keeps it
    conf["remove_own_metrics_dir"]()
    assert not os.path.exists(path)


def test_heap_is_trimmed_after_large_requests_only(env, tmp_path):
    env.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    conf = load()
    assert conf["TRIM_AFTER_BYTES"] == 64 * 1024
    if platform.libc_ver()[0] == "glibc":  # here and in the python:3.11-slim image
        assert conf["malloc_trim"] is not None
    calls = []
    conf["post_request"].__globals__["malloc_trim"] = calls.append
    post = conf["post_request"]
    post(None, None, {"CONTENT_LENGTH": "2400"}, None)
    post(None, None, {}, None)
    post(None, None, {"CONTENT_LENGTH": "not a number"}, None)
    assert calls == []
    post(None, None, {"CONTENT_LENGTH": str(200_000)}, None)
    assert calls == [0]


def test_trim_threshold_is_configurable(env, tmp_path):
    env.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    env.setenv("SIKAP_TRIM_AFTER_BYTES", "1000")
    assert load()["TRIM_AFTER_BYTES"] == 1000
