"""Is a retrained bundle better than another one?  Compare them on the dev splits.

    python -m training.compare --baseline 2026.11.29-9 [--version 2026.11.29-10] [--json F]

Both bundles answer the same dev examples through ``POST /v1/analyze/batch``
(in-process, like ``training.evaluate``).  Each set gets both macro-F1s and the
difference with a *paired* 95 % bootstrap interval (:mod:`training.stats`), plus
the share of resamples in which the new bundle wins.  "Pooled target dev" is
the set training's selection rule scores (NewsMTSC rw and mt dev plus the
project's Indonesian dev); the project's labels on real Indonesian news
(``sikap-id-news``) get their own row.

Of the public datasets only dev and valid splits are read: choosing between
models is what dev data is for, and a test set used to choose stops measuring
anything.  The real-news row is the project's own stance labels; its sentences
come from NER-P's valid and test files, which are splits of an NER task, not a
stance test set.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

from service.config import Settings
from service.engine.bundle import load_bundle, resolve_bundle_dir
from service.engine.parties import PartyRegistry

from . import corpora
from .corpora import DocExample, TargetExample
from .evaluate import Poster, flask_poster, predict_documents, predict_targets
from .stats import macro_f1_difference
from .train import macro_f1

POOLED = "pooled target dev"


@dataclass(frozen=True)
class DevSet:
    """Labelled dev examples: caller-span ``targets`` (with their language) or ``documents``.

    ``pooled`` target sets make up the pooled row, the set training's selection rule scores.
    """

    kind: Literal["targets", "documents"]
    examples: list[TargetExample] | list[DocExample]
    language: str = ""
    pooled: bool = True


def dev_sets(data_dir: Path) -> dict[str, DevSet]:
    """The dev and valid splits of the public sets, plus the project's real-news labels."""
    sets = {
        # Training's own selection sets (pooled below, as training pools them).
        **{
            name: DevSet("targets", examples, lang)
            for name, (lang, examples) in corpora.target_dev_sets(data_dir).items()
        },
        "nusax-ind valid": DevSet("documents", corpora.nusax(data_dir, "indonesian", "valid")),
        "nusax-eng valid": DevSet("documents", corpora.nusax(data_dir, "english", "valid")),
        "smsa valid": DevSet("documents", corpora.smsa(data_dir, "valid")),
    }
    if corpora.id_news_available(data_dir):
        # Real news, never trained on; not in the pooled row, which mirrors training's rule.
        sets["sikap-id-news"] = DevSet("targets", corpora.id_news(data_dir), "id", pooled=False)
    return sets


def _predict(post: Poster, ds: DevSet) -> list[str]:
    if ds.kind == "targets":
        return predict_targets(post, ds.examples, ds.language)
    return predict_documents(post, ds.examples)


def compare(post_a: Poster, post_b: Poster, sets: dict[str, DevSet]) -> dict[str, dict]:
    """Per set: n, macro-F1 of A and B, and B − A with its paired interval.

    Target examples are resampled by sentence; the pooled row joins every target set.
    """
    out: dict[str, dict] = {}
    gold_p: list[str] = []
    a_p: list[str] = []
    b_p: list[str] = []
    groups_p: list[str] = []
    n_pooled = 0
    for name, ds in sets.items():
        gold = [e.label for e in ds.examples]
        pred_a, pred_b = _predict(post_a, ds), _predict(post_b, ds)
        groups = [e.text for e in ds.examples] if ds.kind == "targets" else None
        out[name] = _row(gold, pred_a, pred_b, groups)
        if ds.kind == "targets" and ds.pooled:
            gold_p += gold
            a_p += pred_a
            b_p += pred_b
            groups_p += [f"{name}\n{g}" for g in groups]  # a sentence is a group within its set
            n_pooled += 1
    if n_pooled > 1:
        out[POOLED] = _row(gold_p, a_p, b_p, groups_p)
    return out


def _row(gold: list[str], pred_a: list[str], pred_b: list[str], groups: list | None) -> dict:
    diff = macro_f1_difference(gold, pred_a, pred_b, groups)
    return {
        "n": len(gold),
        "a_macro_f1": round(macro_f1(gold, pred_a), 4),
        "b_macro_f1": round(macro_f1(gold, pred_b), 4),
        **{k: round(v, 4) for k, v in asdict(diff).items()},
    }


def render(results: dict[str, dict], a: str, b: str) -> str:
    """Markdown table of the comparison, in points."""
    lines = [
        f"A = `{a}`, B = `{b}`, on dev splits through `POST /v1/analyze/batch` (`python -m training.compare`).",
        "",
        "| dev set | n | A macro-F1 | B macro-F1 | B − A | 95 % CI of B − A (paired) | resamples B better / worse |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, r in results.items():
        lines.append(
            f"| {name} | {r['n']} | {100 * r['a_macro_f1']:.1f} | {100 * r['b_macro_f1']:.1f} | "
            f"{100 * r['delta']:+.1f} | {100 * r['lo']:+.1f} to {100 * r['hi']:+.1f} | "
            f"{100 * r['b_better_share']:.0f} % / {100 * r['b_worse_share']:.0f} % |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """CLI entry point."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--baseline", required=True, help="bundle A, the one to beat")
    ap.add_argument("--version", default=None, help="bundle B (default: models/CURRENT)")
    ap.add_argument("--models-dir", type=Path, default=Settings().models_dir)
    ap.add_argument("--data-dir", type=Path, default=None)
    ap.add_argument("--json", type=Path, default=None, help="also write the figures to this file")
    args = ap.parse_args(argv)
    data_dir = args.data_dir or corpora.default_data_dir()
    registry = PartyRegistry.load()
    model_a = load_bundle(resolve_bundle_dir(args.models_dir, args.baseline))
    model_b = load_bundle(resolve_bundle_dir(args.models_dir, args.version))
    results = compare(flask_poster(model_a, registry), flask_poster(model_b, registry), dev_sets(data_dir))
    print(render(results, model_a.version, model_b.version))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
