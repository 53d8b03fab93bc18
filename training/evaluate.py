"""Evaluate a bundle on the public test sets, through the HTTP API.

    python -m training.evaluate [--version V] [--url http://127.0.0.1:8080] [--write-readme]

Every example is sent as a ``POST /v1/analyze/batch`` request — to the Flask
app in-process by default, or to a running server with ``--url`` — so the
figures measure exactly what clients get:

* NewsMTSC (target-level): the sentence as ``text`` and the target as a custom
  party with the caller's span; the party's ``label`` is the prediction.
* NusaX-Senti and SmSA (document-level): the text alone; ``sentiment.label``.

Printed (and with ``--write-readme`` written into README.md between markers)
side by side with the published results from ``../shared/data/README.md``, each
macro-F1 with its 95 % bootstrap interval (:mod:`training.stats`): a figure a
few tenths from a bar means little without it.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import urllib.request
from collections.abc import Callable, Iterable
from pathlib import Path

from sklearn.metrics import accuracy_score, recall_score

from service.config import Settings
from service.engine.bundle import load_bundle, resolve_bundle_dir
from service.engine.model import LABELS, StanceModel
from service.engine.parties import PartyRegistry

from . import corpora
from .stats import LEVEL, N_RESAMPLES, macro_f1_ci
from .train import macro_f1

README = Path(__file__).resolve().parents[1] / "README.md"
BATCH = 256

# Published figures (../shared/data/README.md): name -> {test set: (macro-F1, accuracy)}.
PUBLISHED = {
    "newsmtsc-rw": {"BERT SPC": (80.1, 80.7), "RoBERTa GRU-TSC (best)": (83.1, 83.8)},
    "newsmtsc-mt": {"BERT SPC": (73.7, 76.1), "RoBERTa GRU-TSC (best)": (82.5, 84.6)},
    "nusax-ind": {"SVM": (78.7, None), "Naive Bayes": (73.1, None), "IndoBERT-large": (90.2, None)},
    "nusax-eng": {"Naive Bayes": (76.5, None), "SVM": (75.0, None), "XLM-R large": (92.6, None)},
    "smsa": {"fastText-indo4b": (82.13, None), "IndoBERT-large": (92.72, None)},
}
TARGETS = {"newsmtsc-rw": 0.68, "newsmtsc-mt": 0.65, "nusax-ind": 0.80, "nusax-eng": 0.78, "smsa": 0.75}

Poster = Callable[[list[dict]], list[dict]]


def flask_poster(model: StanceModel, registry: PartyRegistry) -> Poster:
    """Send batches to an in-process app built around ``model``."""
    from service.app import create_app

    client = create_app(model, registry, Settings(api_keys="", api_keys_file=None)).test_client()

    def post(articles: list[dict]) -> list[dict]:
        resp = client.post("/v1/analyze/batch", json={"articles": articles})
        if resp.status_code != 200:
            raise RuntimeError(f"batch request failed: {resp.status_code} {resp.get_data(as_text=True)[:300]}")
        return resp.get_json()["results"]

    return post


def url_poster(base_url: str, api_key: str | None = None) -> Poster:
    """Send batches to a running server."""

    def post(articles: list[dict]) -> list[dict]:
        req = urllib.request.Request(
            base_url.rstrip("/") + "/v1/analyze/batch",
            data=json.dumps({"articles": articles}).encode(),
            headers={"Content-Type": "application/json", **({"Authorization": f"Bearer {api_key}"} if api_key else {})},
        )
        with urllib.request.urlopen(req, timeout=120) as resp:
            return json.loads(resp.read())["results"]

    return post


def _chunks(items: list, n: int) -> Iterable[list]:
    for i in range(0, len(items), n):
        yield items[i : i + n]


def _predict(post: Poster, articles: list[dict], pick: Callable[[dict], str]) -> list[str]:
    out: list[str] = []
    for chunk in _chunks(articles, BATCH):
        for res in post(chunk):
            if "error" in res:
                raise RuntimeError(f"item rejected: {res['error']['detail']}")
            out.append(pick(res))
    return out


def _scores(gold: list[str], pred: list[str], groups: list | None = None) -> dict:
    """Macro-F1 with its 95 % bootstrap interval (resampling ``groups``), accuracy, n, per-label recall.

    Recall per label says which way a set fails (real news: negatives called neutral);
    the model card quotes it from here, so each card carries its own bundle's figure.
    """
    recall = recall_score(gold, pred, labels=list(LABELS), average=None, zero_division=0)
    return {
        "macro_f1": round(macro_f1(gold, pred), 4),
        "macro_f1_ci95": [round(x, 4) for x in macro_f1_ci(gold, pred, groups)],
        "accuracy": round(float(accuracy_score(gold, pred)), 4),
        "n": len(gold),
        "recall": {label: round(float(r), 4) for label, r in zip(LABELS, recall, strict=True)},
        "support": {label: gold.count(label) for label in LABELS},
    }


def predict_targets(post: Poster, examples: list[corpora.TargetExample], language: str) -> list[str]:
    """The service's label for each caller-span target (one party per request item)."""
    articles = [
        {"text": e.text, "language": language, "parties": [{"name": "target", "spans": [[e.start, e.end]]}]}
        for e in examples
    ]
    return _predict(post, articles, lambda r: r["parties"][0]["label"])


def predict_documents(post: Poster, examples: list[corpora.DocExample]) -> list[str]:
    """The service's ``sentiment.label`` for each document."""
    articles = [{"text": e.text, "language": e.language, "parties": []} for e in examples]
    return _predict(post, articles, lambda r: r["sentiment"]["label"])


def evaluate_targets(post: Poster, examples: list[corpora.TargetExample], language: str) -> dict:
    """Macro-F1 and accuracy of party labels for caller-span targets (interval by sentence)."""
    pred = predict_targets(post, examples, language)
    return _scores([e.label for e in examples], pred, [e.text for e in examples])


def evaluate_documents(post: Poster, examples: list[corpora.DocExample]) -> dict:
    """Macro-F1 and accuracy of the article sentiment label."""
    return _scores([e.label for e in examples], predict_documents(post, examples))


OWN_ARTICLES = Path(__file__).parent / "data" / "id_articles" / "articles.jsonl"


def evaluate_articles(post: Poster, path: Path = OWN_ARTICLES) -> dict | None:
    """Article-level check on the project's own Indonesian articles (auto party detection).

    Reports how many labelled parties the service found (recall), how many it
    reported that the annotator did not label (extra), and the label macro-F1
    and accuracy over the parties found.
    """
    if not path.is_file():
        return None
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    articles = [{"id": r["id"], "title": r.get("title"), "text": r["text"]} for r in rows]
    results = []
    for chunk in _chunks(articles, BATCH):
        results += post(chunk)
    gold, pred, article_of, labelled, found, extra = [], [], [], 0, 0, 0
    for i, (row, res) in enumerate(zip(rows, results, strict=True)):
        got = {p["name"]: p["label"] for p in res.get("parties", [])}
        labelled += len(row["parties"])
        extra += len(set(got) - set(row["parties"]))
        for name, label in row["parties"].items():
            if name in got:
                found += 1
                gold.append(label)
                pred.append(got[name])
                article_of.append(i)
    return {
        **(_scores(gold, pred, article_of) if gold else {"macro_f1": 0.0, "accuracy": 0.0, "n": 0}),
        "articles": len(rows),
        "party_recall": round(found / labelled, 4) if labelled else 0.0,
        "extra_parties": extra,
    }


def evaluate(post: Poster, data_dir: Path) -> dict:
    """All public test sets plus the project's Indonesian target dev set."""
    t0 = time.time()
    results = {
        "newsmtsc-rw": evaluate_targets(post, corpora.newsmtsc(data_dir, "rw-test"), "en"),
        "newsmtsc-mt": evaluate_targets(post, corpora.newsmtsc(data_dir, "mt-test"), "en"),
        "nusax-ind": evaluate_documents(post, corpora.nusax(data_dir, "indonesian", "test")),
        "nusax-eng": evaluate_documents(post, corpora.nusax(data_dir, "english", "test")),
        "smsa": evaluate_documents(post, corpora.smsa(data_dir, "test")),
        "sikap-id-targets-dev": evaluate_targets(post, corpora.own_targets("dev"), "id"),
        "sikap-en-targets-dev": evaluate_targets(post, corpora.own_en_targets("dev"), "en"),
    }
    if corpora.id_news_available(data_dir):
        results["sikap-id-news"] = evaluate_targets(post, corpora.id_news(data_dir), "id")
    articles = evaluate_articles(post)
    if articles is not None:
        results["sikap-id-articles"] = articles
    results["seconds"] = round(time.time() - t0, 1)
    return results


def evaluate_model(model: StanceModel, registry: PartyRegistry, data_dir: Path) -> dict:
    """Evaluate an in-memory model through the in-process HTTP API."""
    return evaluate(flask_poster(model, registry), data_dir)


def _ci(result: dict) -> str:
    """The macro-F1 interval as "64.6–71.1", or "–" for figures measured before intervals were."""
    ci = result.get("macro_f1_ci95")
    return f"{100 * ci[0]:.1f}–{100 * ci[1]:.1f}" if ci else "–"


def render_table(results: dict, version: str) -> str:
    """Markdown table: our figures next to the published ones."""
    lines = [
        f"Model `{version}`, measured through `POST /v1/analyze/batch` by `python -m training.evaluate`.",
        "",
        "| test set | n | Sikap macro-F1 | Sikap acc. | target | macro-F1 95 % CI | published (macro-F1 / acc.) |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, pub in PUBLISHED.items():
        r = results[name]
        pubs = "; ".join(f"{k} {f1}" + (f" / {acc}" if acc else "") for k, (f1, acc) in pub.items())
        ok = "✓" if r["macro_f1"] >= TARGETS[name] else "✗"
        lines.append(
            f"| {name} | {r['n']} | {100 * r['macro_f1']:.1f} | {100 * r['accuracy']:.1f} | "
            f">= {100 * TARGETS[name]:.0f} {ok} | {_ci(r)} | {pubs} |"
        )
    for key, label in (
        ("sikap-id-targets-dev", "sikap-id-targets dev (own, Indonesian)"),
        ("sikap-en-targets-dev", "sikap-en-targets dev (own, English)"),
        ("sikap-id-news", "sikap-id-news (own labels on real Indonesian news, NER-P sentences)"),
    ):
        own = results.get(key)
        if own:
            lines.append(
                f"| {label} | {own['n']} | {100 * own['macro_f1']:.1f} | "
                f"{100 * own['accuracy']:.1f} | – | {_ci(own)} | no published figure |"
            )
    arts = results.get("sikap-id-articles")
    if arts:
        lines.append(
            f"| sikap-id-articles (own, Indonesian, article-level party labels) | {arts['n']} | "
            f"{100 * arts['macro_f1']:.1f} | {100 * arts['accuracy']:.1f} | – | {_ci(arts)} | no published figure |"
        )
        lines += [
            "",
            f"Article-level set: {arts['articles']} articles; the service found {100 * arts['party_recall']:.1f} % "
            f"of the labelled parties and reported {arts['extra_parties']} unlabelled ones.",
        ]
    lines += [
        "",
        f"The interval is a {100 * LEVEL:.0f} % percentile bootstrap ({N_RESAMPLES:,} resamples, fixed seed) "
        "that resamples whole sentences for target sets and whole articles for the article set, since their "
        "targets share context.",
    ]
    return "\n".join(lines) + "\n"


def write_readme_table(table: str, readme: Path = README) -> None:
    """Replace the text between the evaluation markers in README.md."""
    start, end = "<!-- evaluation:start -->", "<!-- evaluation:end -->"
    text = readme.read_text(encoding="utf-8")
    if start not in text or end not in text:
        raise SystemExit(f"{readme} has no {start} ... {end} markers")
    head, rest = text.split(start, 1)
    _, tail = rest.split(end, 1)
    readme.write_text(head + start + "\n" + table + end + tail, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    """CLI entry point."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-dir", type=Path, default=None)
    ap.add_argument("--models-dir", type=Path, default=Settings().models_dir)
    ap.add_argument("--version", default=None, help="bundle to evaluate (default: models/CURRENT)")
    ap.add_argument("--url", default=None, help="evaluate a running server instead of an in-process app")
    ap.add_argument("--api-key", default=None)
    ap.add_argument("--json", type=Path, default=None, help="also write the figures to this file")
    ap.add_argument("--write-readme", action="store_true", help="regenerate the README evaluation table")
    args = ap.parse_args(argv)
    data_dir = args.data_dir or corpora.default_data_dir()
    path = resolve_bundle_dir(args.models_dir, args.version)
    model = load_bundle(path)
    if args.url:
        results = evaluate(url_poster(args.url, args.api_key), data_dir)
    else:
        results = evaluate_model(model, PartyRegistry.load(), data_dir)
    table = render_table(results, model.version)
    print(table)
    shipped = model.metadata.get("evaluation", {})
    drift = {k: (shipped.get(k, {}).get("macro_f1"), v["macro_f1"]) for k, v in results.items() if isinstance(v, dict)}
    if any(a is not None and abs(a - b) > 1e-9 for a, b in drift.values()):
        print(f"note: differs from the figures in {path.name}/metadata.json: {drift}", file=sys.stderr)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    if args.write_readme:
        write_readme_table(table)
        print(f"updated {README}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
