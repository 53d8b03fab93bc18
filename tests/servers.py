"""Start the real gunicorn server for integration tests, and stop it reliably."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[1]
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))


def free_port() -> int:
    """An unused TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    """A running gunicorn master."""

    proc: subprocess.Popen
    url: str
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def server_env(port: int, **extra: str) -> dict[str, str]:
    """Environment for a test server: loopback, 2 workers, nothing inherited that matters."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SIKAP_", "PROMETHEUS_"))}
    env.update({"HOST": "127.0.0.1", "PORT": str(port), "WEB_CONCURRENCY": "2", "PYTHONUNBUFFERED": "1"})
    env.update(extra)
    return env


def start(tmp_path: Path, **env: str) -> Server:
    """Start gunicorn with the production config; do not wait."""
    port = free_port()
    log_path = tmp_path / f"gunicorn-{port}.log"
    with log_path.open("wb") as log:  # the child keeps its own descriptor
        proc = subprocess.Popen(
            [GUNICORN, "-c", "service/gunicorn.conf.py", "service.wsgi:app"],
            cwd=REPO,
            env=server_env(port, **env),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return Server(proc, f"http://127.0.0.1:{port}", log_path)


def wait_ready(server: Server, timeout: float = 60.0) -> None:
    """Poll /readyz until 200, or fail with the server log."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            raise AssertionError(f"server exited {server.proc.returncode}:\n{server.log()}")
        with contextlib.suppress(requests.RequestException):
            if requests.get(server.url + "/readyz", timeout=1).status_code == 200:
                return
        time.sleep(0.2)
    raise AssertionError(f"server not ready after {timeout}s:\n{server.log()}")


def stop(server: Server, sig: int = signal.SIGTERM, timeout: float = 30.0) -> int:
    """Signal the master and wait; kill the whole group if it does not exit."""
    if server.proc.poll() is None:
        server.proc.send_signal(sig)
        try:
            server.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(server.proc.pid, signal.SIGKILL)
            server.proc.wait(5)
    return server.proc.returncode


def alive(pid: int) -> bool:
    """Running (not gone, not a zombie waiting for a parent that may never reap it)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


def children(pid: int) -> set[int]:
    """Direct children of ``pid`` not yet reaped (gunicorn workers and re-exec'd masters)."""
    out = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.add(int(stat.parent.name))
    return out


def wait_for(predicate, timeout: float, what: str, interval: float = 0.1):
    """Poll until ``predicate()`` is truthy; fail saying ``what`` did not happen."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


@contextlib.contextmanager
def running(tmp_path: Path, **env: str) -> Iterator[Server]:
    """A ready server for the duration of the block."""
    server = start(tmp_path, **env)
    try:
        wait_ready(server)
        yield server
    finally:
        stop(server)
