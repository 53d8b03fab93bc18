"""Smoke tests of bench/run.py on fake numbers: table, JSON and README block (no server, no timing)."""

import json

import pytest

from bench import run


def _fake() -> dict:
    r = {
        "date": "2026-01-02",
        "commit": "abc1234",
        "model_version": "m-1",
        "machine": {"cpus": 2, "cpu": "Test CPU", "python": "3.11.7", "loadavg_before": [0.1, 0.1, 0.1]},
        "settings": {
            "workers": 2,
            "wrk": "-t1 -c8 -d10s",
            "typical_article_chars": 2357,
            "typical_body_bytes": 2500,
            "batch_size": 64,
        },
        "healthz": {
            "server_cpu_ms_per_req": 0.3,
            "rps": 3000.0,
            "p50_ms": 2.0,
            "p99_ms": 5.0,
            "non_2xx": 0,
            "socket_errors": 0,
        },
        "analyze": {
            "server_cpu_ms_per_req": 0.6,
            "rps": 1200.0,
            "p50_ms": 6.0,
            "p99_ms": 20.0,
            "non_2xx": 0,
            "socket_errors": 0,
        },
        "ratio": 0.4,
        "ceiling": {
            "no_parties": {"rps": 1500.0, "ratio": 0.5, "server_cpu_ms_per_req": 0.55, "non_2xx": 0},
            "tiny": {"rps": 2100.0, "ratio": 0.7, "server_cpu_ms_per_req": 0.4, "non_2xx": 0},
        },
        "cpu_ratio": 0.5,
        "batch": {"rps": 10.0, "articles_per_s": 640.0, "p50_ms": 190.0, "non_2xx": 0, "connections": 2},
        "long": {
            "100000": {"chars": 99996, "median_ms": 50.0, "max_ms": 60.0},
            "200000": {"chars": 199871, "median_ms": 90.0, "max_ms": 99.0},
            "ms_per_kb": 0.45,
        },
        "memory": {"pss_mb_total": 300.0, "pss_mb_by_pid": {"1": 200.0, "2": 50.0, "3": 50.0}},
        "cold_start_s": 1.5,
        "train": {"seconds": 100.0, "source": "served bundle's metadata"},
    }
    r["targets"] = run.check_targets(r)
    return r


def test_targets_and_table():
    r = _fake()
    assert all(r["targets"].values())
    table = run.render_table(r)
    assert table.startswith("| measure | value | notes |")
    assert "1,200 req/s" in table and "0.40" in table and "640 articles/s" in table
    assert "✗" not in table
    assert "0.30 ms / 0.60 ms" in table and "CPU ratio 0.50" in table
    assert "`parties: []`" in table and "1,500 req/s" in table and "ratio 0.50; server CPU 0.55 ms" in table
    assert "2,100 req/s" in table and "ratio 0.70; server CPU 0.40 ms" in table
    # Results from runs before the ceiling rows existed still render.
    del r["ceiling"]
    assert "`parties: []`" not in run.render_table(r)
    r["analyze"]["p99_ms"] = 80.0
    assert not run.check_targets(r)["p99<=50ms"]


def test_results_json_and_latest(tmp_path):
    r = _fake()
    path = run.write_results(r, tmp_path, tag="before")
    assert path.name == "2026-01-02-before.json"
    assert json.loads(path.read_text()) == json.loads((tmp_path / "latest.json").read_text()) == r


def test_readme_block_replaced_between_markers():
    text = f"# T\n\n{run.START}\nstale table\n{run.END}\n\n## Next\n"
    out = run.update_readme(text, run.readme_block(_fake(), "python -m bench.run"))
    assert "stale table" not in out and out.endswith("\n\n## Next\n")
    assert out.count(run.START) == out.count(run.END) == 1
    assert "Measured 2026-01-02" in out and "`python -m bench.run`" in out
    with pytest.raises(ValueError):
        run.update_readme("# no markers\n", "x")


def test_bodies():
    typical = run.typical_body()
    assert 2000 <= len(typical["text"]) <= run.TYPICAL_CHARS
    assert typical["text"].endswith((".", '"', "”"))
    assert len(run.batch_body()["articles"]) == run.BATCH_SIZE
    assert run.no_parties_body()["parties"] == [] and run.no_parties_body()["text"] == typical["text"]
    assert len(run.tiny_body()["text"]) < 100
    long = run.long_body(200_000)
    assert 190_000 <= len(long["text"]) <= 200_000


def test_profile_prints_every_stage(capsys):
    """bench.profile on the shipped model: every stage gets a positive time, then the profile."""
    import re

    from bench import profile

    assert profile.main(["--repeat", "2", "--top", "3"]) == 0
    out = capsys.readouterr().out
    rows = dict(re.findall(r"^\|\s*([^|]+?)\s*\|\s*([0-9.]+) \|$", out, re.MULTILINE))
    for stage in ("whole request (test client)", "analyze_article (engine total)", "party matching",
                  "target head, all mentions", "language identification"):  # fmt: skip
        assert float(rows[stage]) > 0, stage
    assert re.search(r"\d+ mentions scored, [\d,]+ feature strings", out)
    assert "cProfile of the whole request" in out and "tottime" in out
