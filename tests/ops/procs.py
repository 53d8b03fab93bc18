"""Helpers for the gunicorn lifecycle tests: bundles to switch between, process state, steady load."""

from __future__ import annotations

import json
import os
import shutil
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

from service.engine.bundle import METADATA_FILE, MODEL_FILE, sha256_file
from tests.servers import REPO

SHIPPED = REPO / "models"


def clone_bundle(models_dir: Path, version: str) -> Path:
    """A copy of the shipped bundle published as ``version``, with metadata rewritten properly."""
    src = SHIPPED / (SHIPPED / "CURRENT").read_text(encoding="utf-8").strip()
    dst = models_dir / version
    shutil.copytree(src, dst)
    card = dst / "MODEL_CARD.md"
    if card.exists():
        card.write_text(card.read_text(encoding="utf-8") + f"\nRe-published as `{version}` by a test.\n")
    meta = json.loads((dst / METADATA_FILE).read_text(encoding="utf-8"))
    meta["version"] = version
    meta["files"] = {p.name: sha256_file(p) for p in sorted(dst.iterdir()) if p.name != METADATA_FILE}
    (dst / METADATA_FILE).write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    return dst


def corrupt_bundle(models_dir: Path, version: str) -> Path:
    """A clone whose model file no longer matches the sha256 in its metadata (a truncated upload)."""
    dst = clone_bundle(models_dir, version)
    model = dst / MODEL_FILE
    model.write_bytes(model.read_bytes()[: model.stat().st_size // 2])
    return dst


def point_current(models_dir: Path, version: str) -> None:
    """Move ``models/CURRENT`` atomically, as an operator should."""
    tmp = models_dir / "CURRENT.tmp"
    tmp.write_text(version + "\n", encoding="utf-8")
    os.replace(tmp, models_dir / "CURRENT")


@dataclass
class Load:
    """Threads posting articles back to back until stopped; every outcome recorded."""

    url: str
    threads: int = 3
    max_seconds: float = 60.0
    results: list[tuple[float, int, str]] = field(default_factory=list)  # (time, status, model version)
    failures: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._workers = [threading.Thread(target=self._run, args=(i,), daemon=True) for i in range(self.threads)]

    def _run(self, n: int) -> None:
        body = {"text": "Presiden Rusia Vladimir Putin memuji Turki. Delegasi AS menuding Kremlin mengulur waktu."}
        deadline = time.monotonic() + self.max_seconds
        i = 0
        while not self._stop.is_set() and time.monotonic() < deadline:
            i += 1
            try:
                resp = requests.post(self.url + "/v1/analyze", json={**body, "id": f"{n}-{i}"}, timeout=30)
                version = resp.json()["model"]["version"] if resp.status_code == 200 else ""
                with self._lock:
                    self.results.append((time.monotonic(), resp.status_code, version))
                    if resp.status_code != 200:
                        self.failures.append(f"HTTP {resp.status_code}: {resp.text[:200]}")
            except (requests.RequestException, ValueError) as exc:
                with self._lock:
                    self.failures.append(f"{type(exc).__name__}: {exc}")

    def __enter__(self) -> Load:
        for t in self._workers:
            t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for t in self._workers:
            t.join(35)

    def served(self, version: str, since: float = 0.0) -> int:
        """Successful responses from ``version`` after ``since`` (monotonic time)."""
        with self._lock:
            return sum(1 for t, s, v in self.results if s == 200 and v == version and t >= since)
