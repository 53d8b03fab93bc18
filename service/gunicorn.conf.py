"""gunicorn settings for Sikap, all overridable from the environment.

* ``HOST``/``PORT`` (default 127.0.0.1:8080), ``WEB_CONCURRENCY`` workers
  (default: the CPUs this process may use: affinity and cgroup quota, so a
  container limited to 2 CPUs runs 2 workers, not one per host core).
* ``GUNICORN_TIMEOUT`` (30 s) kills a hung worker; ``GUNICORN_GRACEFUL_TIMEOUT``
  (8 s) is how long SIGTERM lets in-flight requests finish.  It stays below
  Docker's 10 s stop timeout, so ``docker stop`` drains and the master exits 0
  instead of being SIGKILLed.
* ``preload_app``: the model is loaded once in the master and shared
  copy-on-write; ``gc.freeze()`` before fork keeps the collector from touching
  (and so copying) those pages in every worker.  Consequence: SIGHUP restarts
  the workers with a re-read config but the *same* preloaded model; switching
  model versions takes SIGUSR2 (a new master) - see README, "Operations".
* ``max_requests`` (``GUNICORN_MAX_REQUESTS``, 20000) with 10 % jitter recycles
  workers one at a time, bounding slow leaks without a synchronized restart.
* ``GUNICORN_PIDFILE``: where the master writes its pid (none by default).
  During a SIGUSR2 upgrade the new master writes ``<pidfile>.2`` and takes over
  ``<pidfile>`` once the old master has exited.
* Prometheus multiprocess mode: each worker writes samples under
  ``PROMETHEUS_MULTIPROC_DIR`` (a fresh folder in /dev/shm per master unless
  given); dead workers are marked so live gauges stay right.
* Heartbeat files in ``/dev/shm`` (tmpfs), so a slow or read-only disk never
  makes the master think a worker hung.
* After a request with a large body (``SIKAP_TRIM_AFTER_BYTES``, 64 KB) the worker
  hands the heap pages it freed back to the OS (glibc ``malloc_trim``): a batch or
  a 200,000-character article grows a worker by ~35 MB of short-lived strings that
  glibc would otherwise keep, so summed PSS depended on which worker drew them.
* No control socket: gunicorn 23.0.0 has none (no ``gunicornc``, nothing bound
  besides the listener), so a non-root user on a read-only root filesystem needs
  nothing writable except /dev/shm (and the pidfile's folder, if one is set).
"""

from __future__ import annotations

import atexit
import ctypes
import gc
import math
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path


def available_cpus() -> int:
    """CPUs this process may run on: scheduler affinity, capped by a cgroup v2/v1 CPU quota."""
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    quota = None
    try:  # cgroup v2: "<quota> <period>" or "max <period>"
        q, p = Path("/sys/fs/cgroup/cpu.max").read_text().split()
        quota = None if q == "max" else int(q) / int(p)
    except (OSError, ValueError):
        try:  # cgroup v1
            q = int(Path("/sys/fs/cgroup/cpu/cpu.cfs_quota_us").read_text())
            p = int(Path("/sys/fs/cgroup/cpu/cpu.cfs_period_us").read_text())
            quota = q / p if q > 0 and p > 0 else None
        except (OSError, ValueError):
            pass
    if quota:
        cpus = min(cpus, max(1, math.ceil(quota)))
    return max(1, cpus)


bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8080')}"
workers = int(os.environ.get("WEB_CONCURRENCY") or available_cpus())
worker_class = "sync"
preload_app = True
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "8"))
keepalive = 5
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "20000"))
max_requests_jitter = max(1, max_requests // 10)
pidfile = os.environ.get("GUNICORN_PIDFILE") or None
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None
accesslog = None  # the app writes one JSON line per request itself
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# gunicorn 23 sends "Server: gunicorn" without its version; nothing to strip.
proc_name = "sikap"

# This file runs again in the same master on SIGHUP, and in a new master
# (with the original environment) on SIGUSR2.  Only a master starting from
# scratch may wipe a given folder: the others would delete live workers' files.
_PREPARED_BY = "SIKAP_METRICS_DIR_PREPARED_BY"  # pid of the master that set the folder up
_CREATED = "SIKAP_METRICS_DIR_CREATED"  # the folder, if that master created it (removed on exit)
_metrics_dir = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
if os.environ.get(_PREPARED_BY) == str(os.getpid()):
    pass  # SIGHUP: already set up by this very master
elif not _metrics_dir:
    _metrics_dir = tempfile.mkdtemp(prefix="sikap-metrics-", dir=worker_tmp_dir or tempfile.gettempdir())
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = os.environ[_CREATED] = _metrics_dir
    # atexit, not gunicorn's on_exit: it also runs when the app fails to load (a refused bundle).
    atexit.register(lambda: remove_own_metrics_dir())
elif "GUNICORN_PID" not in os.environ:
    # Stale files from a previous run would be added to this run's counters.
    shutil.rmtree(_metrics_dir, ignore_errors=True)
    os.makedirs(_metrics_dir, exist_ok=True)
os.environ[_PREPARED_BY] = str(os.getpid())


TRIM_AFTER_BYTES = int(os.environ.get("SIKAP_TRIM_AFTER_BYTES", str(64 * 1024)))


def _load_malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim``, or None where the C library has none (musl, macOS)."""
    try:
        return ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None


malloc_trim = _load_malloc_trim()


def post_request(worker, req, environ, resp) -> None:
    """Return the heap a large request freed to the OS (see the module docstring).

    Small requests skip it: trimming walks the heap (about a millisecond), and
    they leave little behind.  The size is the declared ``Content-Length``, so
    a large body sent chunked (no length) is not trimmed after.
    """
    try:
        size = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return
    if malloc_trim is not None and size >= TRIM_AFTER_BYTES:
        malloc_trim(0)


def pre_fork(server, worker) -> None:
    """Freeze the preloaded heap so workers share it copy-on-write."""
    gc.freeze()


def child_exit(server, worker) -> None:
    """Let prometheus_client drop the dead worker's live gauges."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def when_ready(server) -> None:
    """Say where the server listens, once, in the error log."""
    server.log.info("sikap ready on %s with %s workers", bind, workers)


def remove_own_metrics_dir() -> None:
    """Remove the metrics folder this master created (at its exit, when its workers are gone)."""
    path = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if path and path == os.environ.get(_CREATED) and os.environ.get(_PREPARED_BY) == str(os.getpid()):
        shutil.rmtree(path, ignore_errors=True)
