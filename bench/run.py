"""Benchmark the real server: throughput, latency, memory, cold start, training time.

    python -m bench.run [--duration 10] [--skip-train] [--write-readme] [--tag NAME]
    make bench ARGS="--skip-train --write-readme"

Starts gunicorn with the production config (``service/gunicorn.conf.py``,
``WEB_CONCURRENCY=2``) on a free 127.0.0.1 port and drives it with wrk
(``-t1 -c8``, ``--duration`` seconds per endpoint, every run stops by itself):

* ``GET /healthz`` — the framework's ceiling on this machine, same server, same run;
* ``POST /v1/analyze`` with a typical 2.4 KB Indonesian article (title + text,
  language detected);
* the same article with ``parties: []`` (every per-article stage, no party scored) and
  a one-sentence article: their ratios to ``/healthz`` bound what any party model
  could reach on this stack;
* ``POST /v1/analyze/batch`` with 64 articles per request (``-c2``: one per worker);
* single requests with a ~100 KB and a 200,000-character article (median of a few);
* summed PSS of master + workers from ``/proc/PID/smaps_rollup`` after the load;
* cold start: process start until ``/readyz`` answers 200;
* ``python -m training.train --no-eval`` wall time into a temporary models dir
  (``--skip-train``: ``train_seconds`` from the served bundle's metadata instead).

Prints one table and writes the figures to ``bench/results/<date>[-tag].json`` and
``bench/results/latest.json``; ``--write-readme`` puts the table in README.md
between the ``bench:start``/``bench:end`` markers.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ARTICLES = REPO / "tests" / "fixtures" / "articles"
RESULTS = Path(__file__).resolve().parent / "results"
WRK_SCRIPT = Path(__file__).resolve().parent / "wrk.lua"
README = REPO / "README.md"
START, END = "<!-- bench:start -->", "<!-- bench:end -->"

TYPICAL_CHARS = 2400
BATCH_SIZE = 64
LONG_CHARS = (100_000, 200_000)
WORKERS = 2

# The acceptance figures (same server, same run).
MIN_RATIO = 0.33
MAX_P99_MS = 50.0
MAX_PSS_MB = 400.0


# ---------------------------------------------------------------- request bodies


def _article(name: str) -> dict:
    return json.loads((ARTICLES / name).read_text(encoding="utf-8"))


def cut_at_sentence(text: str, limit: int) -> str:
    """The longest prefix of ``text`` of at most ``limit`` characters ending a sentence."""
    if len(text) <= limit:
        return text
    head = text[:limit]
    ends = [m.end() for m in re.finditer(r"[.!?…][\"”’)]*(?=\s)|\n", head)]
    return head[: ends[-1]].rstrip() if ends else head


def typical_body() -> dict:
    """The 2.4 KB Indonesian article: a sentence-boundary cut of id_istanbul_talks."""
    art = _article("id_istanbul_talks.json")
    return {"id": "bench-typical", "title": art["title"], "text": cut_at_sentence(art["text"], TYPICAL_CHARS)}


def no_parties_body() -> dict:
    """The typical article with ``parties: []``: every per-article stage runs, no party is scored."""
    return {**typical_body(), "id": "bench-no-parties", "parties": []}


def tiny_body() -> dict:
    """The smallest real analyze request: one short sentence, no party in it."""
    return {"id": "bench-tiny", "text": "Harga beras naik lagi pekan ini."}


def _indonesian_texts() -> list[str]:
    return [_article(p.name)["text"] for p in sorted(ARTICLES.glob("id_*.json"))]


def long_body(chars: int) -> dict:
    """An Indonesian article of about ``chars`` characters (fixture articles repeated)."""
    texts = _indonesian_texts()
    parts: list[str] = []
    size, i = 0, 0
    while size < chars:
        t = texts[i % len(texts)]
        parts.append(t)
        size += len(t) + 2
        i += 1
    text = cut_at_sentence("\n\n".join(parts), chars)
    return {"id": f"bench-{chars}", "title": "Perundingan damai dan sanksi", "text": text}


def batch_body(size: int = BATCH_SIZE) -> dict:
    """``size`` articles cycling through every fixture article (both languages)."""
    arts = [_article(p.name) for p in sorted(ARTICLES.glob("*.json"))]
    items = []
    for i in range(size):
        a = arts[i % len(arts)]
        item = {"id": i, "text": a["text"]}
        if a.get("title"):
            item["title"] = a["title"]
        items.append(item)
    return {"articles": items}


# ---------------------------------------------------------------- server


@dataclass
class Server:
    """A running gunicorn master started by the benchmark."""

    proc: subprocess.Popen
    url: str
    cold_start_s: float


def free_port() -> int:
    """An unused TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(method: str, url: str, body: bytes | None = None, timeout: float = 60.0) -> tuple[int, bytes]:
    """One HTTP request with the standard library; returns status and body."""
    req = urllib.request.Request(url, data=body, method=method)
    if body is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


@contextmanager
def running_server(log_path: Path, workers: int = WORKERS, ready_timeout: float = 120.0) -> Iterator[Server]:
    """gunicorn with the production config; stopped (and its group killed if need be) on exit."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SIKAP_", "PROMETHEUS_"))}
    env.update({"HOST": "127.0.0.1", "PORT": str(port), "WEB_CONCURRENCY": str(workers), "PYTHONUNBUFFERED": "1"})
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    url = f"http://127.0.0.1:{port}"
    with log_path.open("wb") as log:
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            [gunicorn, "-c", "service/gunicorn.conf.py", "service.wsgi:app"],
            cwd=REPO,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + ready_timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"server exited {proc.returncode}; see {log_path}")
            try:
                if http("GET", url + "/readyz", timeout=1)[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"server not ready after {ready_timeout}s; see {log_path}")
            time.sleep(0.05)
        yield Server(proc, url, time.perf_counter() - t0)
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(5)


def server_pids(master: int) -> list[int]:
    """The master and its direct children (the workers)."""
    pids = [master]
    for task in Path(f"/proc/{master}/task").iterdir():
        children = (task / "children").read_text().split()
        pids += [int(c) for c in children]
    return pids


def server_cpu_seconds(master: int) -> float:
    """CPU time (user + system) of the server so far: master, live workers, and reaped workers.

    Workers recycled by ``max_requests`` during a run are counted through the
    master's ``cutime``/``cstime``, so a delta over a run is the server's whole cost.
    """
    tick = os.sysconf("SC_CLK_TCK")

    def fields(pid: int) -> list[int]:
        stat = Path(f"/proc/{pid}/stat").read_text()
        return [int(x) for x in stat[stat.rindex(")") + 2 :].split()[11:15]]  # utime stime cutime cstime

    total = sum(fields(master))
    for pid in server_pids(master)[1:]:
        try:
            total += sum(fields(pid)[:2])
        except (FileNotFoundError, ProcessLookupError):
            pass
    return total / tick


def pss_mb(pid: int) -> float:
    """Proportional set size of one process, in MB (from /proc/PID/smaps_rollup)."""
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no Pss line for pid {pid}")


# ---------------------------------------------------------------- load


def wrk(
    url: str,
    body_path: Path | None,
    duration: float,
    connections: int = 8,
    threads: int = 1,
    timeout_s: int = 10,
    master: int | None = None,
) -> dict:
    """One bounded wrk run; returns its summary (requests, req/s, latency percentiles in ms, errors).

    With ``master``, also the server's CPU milliseconds per request: unlike req/s it
    hardly moves when other processes compete for the machine.
    """
    cpu0 = server_cpu_seconds(master) if master else 0.0
    env = dict(os.environ)
    env["BENCH_BODY"] = str(body_path) if body_path else ""
    cmd = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{max(1, round(duration))}s",
        f"--timeout={timeout_s}s",
        "-s",
        str(WRK_SCRIPT),
        url,
    ]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=duration + timeout_s + 30, check=True)
    line = next((ln for ln in out.stdout.splitlines() if ln.startswith("BENCH_JSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no summary:\n{out.stdout}\n{out.stderr}")
    raw = json.loads(line[len("BENCH_JSON ") :])
    secs = raw["duration_us"] / 1e6
    cpu = server_cpu_seconds(master) - cpu0 if master else None
    return {
        "server_cpu_ms_per_req": round(cpu * 1000 / raw["requests"], 3) if cpu and raw["requests"] else None,
        "requests": raw["requests"],
        "rps": round(raw["requests"] / secs, 1),
        "p50_ms": round(raw["p50_us"] / 1000, 2),
        "p90_ms": round(raw["p90_us"] / 1000, 2),
        "p99_ms": round(raw["p99_us"] / 1000, 2),
        "max_ms": round(raw["max_us"] / 1000, 2),
        "non_2xx": raw["non_2xx"],
        "socket_errors": raw["connect_errors"] + raw["read_errors"] + raw["write_errors"] + raw["timeouts"],
        "connections": connections,
        "threads": threads,
        "seconds": round(secs, 2),
    }


def timed_post(url: str, body: bytes, repeat: int) -> dict:
    """Median and max wall time of ``repeat`` sequential POSTs (after one untimed warm-up)."""
    status, _ = http("POST", url, body)
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        status, _ = http("POST", url, body)
        times.append(time.perf_counter() - t0)
        if status != 200:
            raise RuntimeError(f"POST {url} -> {status}")
    return {"median_ms": round(statistics.median(times) * 1000, 1), "max_ms": round(max(times) * 1000, 1)}


def train_wall_time(timeout: float) -> dict:
    """Wall time of ``python -m training.train --no-eval`` into a temporary models dir."""
    with tempfile.TemporaryDirectory(prefix="sikap-bench-models-") as tmp:
        t0 = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-m", "training.train", "--models-dir", tmp, "--no-eval", "--version", "bench"],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        secs = time.perf_counter() - t0
    if proc.returncode != 0:
        return {"seconds": None, "source": "training.train failed", "error": proc.stderr.strip()[-400:]}
    return {"seconds": round(secs, 1), "source": "measured (python -m training.train --no-eval)"}


# ---------------------------------------------------------------- the run


def run(args: argparse.Namespace) -> dict:
    """Do every measurement; return the results document."""
    if shutil.which("wrk") is None:
        raise SystemExit("bench: wrk not found (apt-get install -y wrk)")
    typical = typical_body()
    typical_bytes = json.dumps(typical, ensure_ascii=False).encode()
    results: dict = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": _git_commit(),
        "machine": {
            "cpus": os.cpu_count(),
            "cpu": _cpu_model(),
            "python": platform.python_version(),
            "loadavg_before": [round(x, 2) for x in os.getloadavg()],
        },
        "settings": {
            "workers": WORKERS,
            "wrk": f"-t1 -c8 -d{args.duration:g}s",
            "typical_article_chars": len(typical["text"]),
            "typical_body_bytes": len(typical_bytes),
            "batch_size": BATCH_SIZE,
        },
    }
    with tempfile.TemporaryDirectory(prefix="sikap-bench-") as tmp_s:
        tmp = Path(tmp_s)
        typical_path = tmp / "typical.json"
        typical_path.write_bytes(typical_bytes)
        batch_path = tmp / "batch.json"
        batch_path.write_text(json.dumps(batch_body(), ensure_ascii=False), encoding="utf-8")
        with running_server(tmp / "gunicorn.log") as srv:
            results["cold_start_s"] = round(srv.cold_start_s, 2)
            status, raw = http("GET", srv.url + "/v1/model")
            meta = json.loads(raw) if status == 200 else {}
            results["model_version"] = meta.get("version")
            status, raw = http("POST", srv.url + "/v1/analyze", typical_bytes)
            if status != 200:
                raise RuntimeError(f"typical article -> {status}: {raw[:300]!r}")
            results["settings"]["typical_parties"] = len(json.loads(raw)["parties"])

            warm = min(2.0, args.duration)
            wrk(srv.url + "/v1/analyze", typical_path, warm)  # warm-up, not recorded
            pid = srv.proc.pid
            results["healthz"] = wrk(srv.url + "/healthz", None, args.duration, master=pid)
            results["analyze"] = wrk(srv.url + "/v1/analyze", typical_path, args.duration, master=pid)
            results["ratio"] = round(results["analyze"]["rps"] / results["healthz"]["rps"], 3)
            # Where the ceiling is for analyze: the same article with no party scored, and
            # the smallest analyze request.  Their ratios bound what any party model can reach.
            ceiling = {}
            for name, body in (("no_parties", no_parties_body()), ("tiny", tiny_body())):
                path = tmp / f"{name}.json"
                path.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
                ceiling[name] = wrk(srv.url + "/v1/analyze", path, args.duration, master=pid)
                ceiling[name]["ratio"] = round(ceiling[name]["rps"] / results["healthz"]["rps"], 3)
            results["ceiling"] = ceiling
            h_cpu, a_cpu = results["healthz"]["server_cpu_ms_per_req"], results["analyze"]["server_cpu_ms_per_req"]
            results["cpu_ratio"] = round(h_cpu / a_cpu, 3) if h_cpu and a_cpu else None
            batch = wrk(
                srv.url + "/v1/analyze/batch", batch_path, args.duration, connections=WORKERS, timeout_s=60, master=pid
            )
            batch["articles_per_s"] = round(batch["rps"] * BATCH_SIZE, 1)
            results["batch"] = batch

            long: dict = {}
            for chars in LONG_CHARS:
                body = long_body(chars)
                timing = timed_post(srv.url + "/v1/analyze", json.dumps(body).encode(), args.long_repeat)
                long[str(chars)] = {"chars": len(body["text"]), **timing}
            biggest = long[str(LONG_CHARS[-1])]
            long["ms_per_kb"] = round(biggest["median_ms"] / (biggest["chars"] / 1000), 3)
            results["long"] = long

            pids = server_pids(srv.proc.pid)
            per = {str(p): round(pss_mb(p), 1) for p in pids}
            results["memory"] = {"pss_mb_total": round(sum(per.values()), 1), "pss_mb_by_pid": per}
            results["bundle_train_seconds"] = (meta.get("training") or {}).get("train_seconds")

    if args.skip_train:
        results["train"] = {"seconds": results["bundle_train_seconds"], "source": "served bundle's metadata"}
    else:
        results["train"] = train_wall_time(args.train_timeout)
    results["targets"] = check_targets(results)
    return results


def check_targets(r: dict) -> dict:
    """The issue's acceptance checks, each True/False."""
    return {
        "ratio>=0.33": r["ratio"] >= MIN_RATIO,
        "p99<=50ms": r["analyze"]["p99_ms"] <= MAX_P99_MS,
        "no_non_2xx": r["analyze"]["non_2xx"] == 0 and r["analyze"]["socket_errors"] == 0,
        "pss<=400MB": r["memory"]["pss_mb_total"] <= MAX_PSS_MB,
    }


def _ms(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.2f} ms"


def _mark(ok: bool) -> str:
    return "✓" if ok else "✗"


def _ceiling_rows(ceiling: dict) -> list[tuple[str, str, str]]:
    """Rows for the analyze requests that bound the ratio (absent in results from older runs)."""
    labels = {
        "no_parties": "same article with `parties: []` (every stage but party scoring)",
        "tiny": "one-sentence article, no party (smallest analyze)",
    }
    return [
        (
            f"`POST /v1/analyze`, {labels[name]}",
            f"{c['rps']:,.0f} req/s",
            f"ratio {c['ratio']:.2f}; server CPU {_ms(c.get('server_cpu_ms_per_req'))}; non-2xx {c['non_2xx']}",
        )
        for name, c in ceiling.items()
        if name in labels
    ]


def render_table(r: dict) -> str:
    """The results as one Markdown table."""
    h, a, b, lg, t = r["healthz"], r["analyze"], r["batch"], r["long"], r["targets"]
    k100, k200 = lg[str(LONG_CHARS[0])], lg[str(LONG_CHARS[1])]
    train = r["train"]
    train_s = f"{train['seconds']:.0f} s" if train.get("seconds") is not None else "n/a"
    rows = [
        ("`GET /healthz` (framework ceiling)", f"{h['rps']:,.0f} req/s", f"p50 {h['p50_ms']} ms, p99 {h['p99_ms']} ms"),
        (
            f"`POST /v1/analyze`, {r['settings']['typical_article_chars']:,}-char Indonesian article",
            f"{a['rps']:,.0f} req/s",
            f"p50 {a['p50_ms']} ms, p99 {a['p99_ms']} ms {_mark(t['p99<=50ms'])} (≤ 50), "
            f"non-2xx {a['non_2xx']} {_mark(t['no_non_2xx'])}",
        ),
        ("analyze / healthz", f"{r['ratio']:.2f}", f"{_mark(t['ratio>=0.33'])} (≥ 0.33)"),
        *_ceiling_rows(r.get("ceiling") or {}),
        (
            "server CPU per request: healthz / analyze",
            f"{_ms(h.get('server_cpu_ms_per_req'))} / {_ms(a.get('server_cpu_ms_per_req'))}",
            f"CPU ratio {r['cpu_ratio']:.2f} (≈ the req/s ratio if the server had the machine to itself)"
            if r.get("cpu_ratio")
            else "",
        ),
        (
            f"`POST /v1/analyze/batch`, {r['settings']['batch_size']} articles per request",
            f"{b['articles_per_s']:,.0f} articles/s",
            f"p50 {b['p50_ms']} ms per batch (wrk -c{b['connections']}), non-2xx {b['non_2xx']}",
        ),
        (f"{k100['chars']:,}-char article", f"{k100['median_ms']:,.0f} ms", f"max {k100['max_ms']:,.0f} ms"),
        (
            f"{k200['chars']:,}-char article",
            f"{k200['median_ms']:,.0f} ms",
            f"{lg['ms_per_kb']:.2f} ms per KB; worker timeout 30 s",
        ),
        (
            f"server memory, summed PSS (master + {WORKERS} workers)",
            f"{r['memory']['pss_mb_total']:.0f} MB",
            f"{_mark(t['pss<=400MB'])} (≤ 400)",
        ),
        ("cold start to ready (`/readyz` 200)", f"{r['cold_start_s']:.1f} s", ""),
        ("`python -m training.train --no-eval`", train_s, train["source"]),
    ]
    lines = ["| measure | value | notes |", "|---|---|---|"]
    lines += [f"| {m} | {v} | {n} |" for m, v, n in rows]
    return "\n".join(lines)


def readme_block(r: dict, command: str) -> str:
    """The text placed between the README markers."""
    m = r["machine"]
    return (
        f"{START}\n"
        f"Measured {r['date']} (commit `{r['commit']}`, model `{r['model_version']}`) by `{command}` on "
        f"{m['cpus']} CPUs ({m['cpu']}), Python {m['python']}; gunicorn with `service/gunicorn.conf.py`, "
        f"`WEB_CONCURRENCY={r['settings']['workers']}`; wrk `{r['settings']['wrk']}` per endpoint, same server, "
        "same run; wrk shares the machine with the server.\n\n"
        f"{render_table(r)}\n"
        f"{END}"
    )


def update_readme(text: str, block: str) -> str:
    """Replace the marked block in README text (the markers must exist)."""
    s, e = text.find(START), text.find(END)
    if s < 0 or e < s:
        raise ValueError(f"README has no {START} ... {END} block")
    return text[:s] + block + text[e + len(END) :]


def write_results(r: dict, out_dir: Path, tag: str | None = None) -> Path:
    """Write ``<date>[-tag].json`` and ``latest.json``; return the dated path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    name = r["date"] + (f"-{tag}" if tag else "") + ".json"
    text = json.dumps(r, indent=2, ensure_ascii=False) + "\n"
    path = out_dir / name
    path.write_text(text, encoding="utf-8")
    (out_dir / "latest.json").write_text(text, encoding="utf-8")
    return path


def _git_commit() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True)
        dirty = subprocess.run(["git", "diff", "--quiet", "HEAD", "--", "service"], cwd=REPO).returncode != 0
        return out.stdout.strip() + ("+dirty" if dirty else "")
    except OSError:
        return "unknown"


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main(argv: list[str] | None = None) -> int:
    """CLI entry point."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--duration", type=float, default=10.0, help="seconds of wrk load per endpoint (default 10)")
    ap.add_argument("--long-repeat", type=int, default=3, help="timed requests per long article (median)")
    ap.add_argument("--skip-train", action="store_true", help="take train_seconds from the served bundle")
    ap.add_argument("--train-timeout", type=float, default=1800.0)
    ap.add_argument("--tag", default=None, help="suffix of the results file name (<date>-<tag>.json)")
    ap.add_argument("--out-dir", type=Path, default=RESULTS)
    ap.add_argument("--write-readme", action="store_true", help="put the table in README.md between the markers")
    args = ap.parse_args(argv)

    results = run(args)
    path = write_results(results, args.out_dir, args.tag)
    print(render_table(results))
    print(f"\nwrote {path.relative_to(REPO) if path.is_relative_to(REPO) else path}")
    if args.write_readme:
        command = "python -m bench.run" + (" " + " ".join(argv if argv is not None else sys.argv[1:])).rstrip()
        README.write_text(update_readme(README.read_text(encoding="utf-8"), readme_block(results, command)))
        print("updated README.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
