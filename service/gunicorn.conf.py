"""gunicorn settings for Sikap, all overridable from the environment.

* ``HOST``/``PORT`` (default 127.0.0.1:8080), ``WEB_CONCURRENCY`` workers
  (default: CPU cores), ``GUNICORN_TIMEOUT`` (30 s), ``GUNICORN_GRACEFUL_TIMEOUT``
  (8 s, below Docker's 10 s stop timeout so SIGTERM drains and exits 0).
* ``preload_app``: the model is loaded once in the master and shared
  copy-on-write; ``gc.freeze()`` before fork keeps the collector from touching
  (and so copying) those pages in every worker.
* Prometheus multiprocess mode: each worker writes samples under
  ``PROMETHEUS_MULTIPROC_DIR`` (created fresh at start); dead workers are
  marked so gauges stay right.
* Heartbeat files in ``/dev/shm`` (tmpfs), so a slow or read-only disk never
  makes the master think a worker hung.
* No control socket: gunicorn 23 has none, so a non-root user on a read-only
  filesystem needs nothing writable except the two tmpfs folders.
"""

from __future__ import annotations

import gc
import os
import shutil
import tempfile

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8080')}"
workers = int(os.environ.get("WEB_CONCURRENCY") or os.cpu_count() or 2)
worker_class = "sync"
preload_app = True
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "8"))
keepalive = 5
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "20000"))
max_requests_jitter = max(1, max_requests // 10)
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None
accesslog = None  # the app writes one JSON line per request itself
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# gunicorn 23 sends "Server: gunicorn" without its version; nothing to strip.
proc_name = "sikap"

_metrics_dir = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
if not _metrics_dir:
    base = "/dev/shm" if worker_tmp_dir else tempfile.gettempdir()
    _metrics_dir = tempfile.mkdtemp(prefix="sikap-metrics-", dir=base)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = _metrics_dir
else:
    # Stale files from a previous run would be added to this run's counters.
    shutil.rmtree(_metrics_dir, ignore_errors=True)
    os.makedirs(_metrics_dir, exist_ok=True)


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
