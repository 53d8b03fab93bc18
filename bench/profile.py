"""Where one ``POST /v1/analyze`` spends its time, stage by stage.

    python -m bench.profile [--repeat 300] [--top 15]

``make bench`` measures the server from outside; this opens the analyze path
in-process on the same typical 2.4 KB article so the README's "where the time
goes" figures can be rerun: the whole request through the Flask test client,
then each engine stage alone (mean wall time over ``--repeat`` calls, after a
warm-up), then cProfile's top functions by own time.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import logging
import pstats
import sys
import time
from collections.abc import Callable

from bench.run import typical_body
from service.app import create_app
from service.config import Settings
from service.engine.bundle import load_bundle, resolve_bundle_dir
from service.engine.language import detect_language
from service.engine.parties import PartyRegistry
from service.engine.scoring import _Doc, analyze_article, extract


def mean_ms(fn: Callable[[], object], repeat: int) -> float:
    """Mean wall time of ``fn`` in milliseconds, after a short warm-up."""
    for _ in range(min(20, repeat)):
        fn()
    t0 = time.perf_counter()
    for _ in range(repeat):
        fn()
    return (time.perf_counter() - t0) / repeat * 1000


def main(argv: list[str] | None = None) -> int:
    """CLI entry point: print the stage table and the profile."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=300)
    ap.add_argument("--top", type=int, default=15)
    args = ap.parse_args(argv)
    logging.disable(logging.CRITICAL)  # the access log is not what is measured here

    settings = Settings()
    model = load_bundle(resolve_bundle_dir(settings.models_dir, settings.model_version))
    registry = PartyRegistry.load()
    client = create_app(model, registry, settings).test_client()
    body = typical_body()
    raw = json.dumps(body)
    text, title = body["text"], body["title"]
    ex = extract(registry, text, title)

    def request() -> object:
        return client.post("/v1/analyze", data=raw, content_type="application/json")

    def health() -> object:
        return client.get("/healthz")

    stages = [
        ("whole request (test client)", request),
        ("GET /healthz (test client)", health),
        ("analyze_article (engine total)", lambda: analyze_article(model, registry, text, title)),
        ("  extract: mentions + feature strings", lambda: extract(registry, text, title)),
        ("    mask chrome, sentences, tokens", lambda: _Doc(text)),
        ("    party matching", lambda: registry.matcher.find(ex.body.masked, ex.body.tokens)),
        ("  target head, all mentions", lambda: model.mention_proba(ex.rows)),
        ("  document head", lambda: model.document_proba([ex.doc_row], "id")),
        ("  language identification", lambda: detect_language(ex.body.masked)),
    ]
    n_features = sum(len(r) for r in ex.rows)
    print(f"model {model.version}; {len(text):,}-char article, {len(ex.rows)} mentions scored, "
          f"{n_features:,} feature strings, {len(ex.body.sentences)} sentences\n")  # fmt: skip
    print("| stage | ms per call |\n|---|---|")
    for name, fn in stages:
        print(f"| {name} | {mean_ms(fn, args.repeat):.3f} |")

    prof = cProfile.Profile()
    prof.enable()
    for _ in range(args.repeat):
        request()
    prof.disable()
    out = io.StringIO()
    pstats.Stats(prof, stream=out).sort_stats("tottime").print_stats(args.top)
    print("\ncProfile of the whole request, by own time:\n" + out.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main())
