"""Retrain Sikap's model from the shared datasets and write a versioned bundle.

    python -m training.train [--data-dir ../shared/data] [--version V] [--promote]

Features come from :func:`service.engine.scoring.extract`, the function the
service calls, so there is no training/serving skew.  Hyper-parameters are chosen
on dev/valid splits only; the test splits are touched once, by
:mod:`training.evaluate`, after the model is fixed.
"""

from __future__ import annotations

import argparse
import itertools
import resource
import sys
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from scipy.optimize import minimize_scalar
from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.pipeline import Pipeline

from service.engine.bundle import CURRENT_FILE, save_bundle
from service.engine.features import identity
from service.engine.model import LABELS, EnsembleHead, StanceModel, calibrate, make_head
from service.engine.nblr import NBLogisticRegression
from service.engine.parties import PartyRegistry
from service.engine.scoring import PartyRequest, extract

from . import corpora
from .corpora import DocExample, TargetExample

MODELS_DIR = Path(__file__).resolve().parents[1] / "models"
C_GRID = (0.5, 1.0, 2.0, 4.0, 8.0)
TARGET_C_GRID = (1.0, 2.0, 4.0)
NBLR_C = 1.0
DOC_C_GRID = (1.0, 3.0, 10.0)
OWN_WEIGHT = 1.0  # chosen on dev (NewsMTSC dev + own dev): 1.0 > 1.5 > 2.0 > 3.0
# The project's English targets follow the Indonesian guideline (a bystander in a critical
# sentence is neutral); NewsMTSC annotators let the sentence's tone reach more targets.  Training
# on them cost NewsMTSC dev macro-F1 (0.689 -> 0.677 at weight 0.3, 0.679 at 1.0), and mt dev
# fell 2-3 points however they were cut or relabelled (README, "Tried and not kept"), so by
# default they only measure that gap; ``--en-targets-weight`` trains on them.
OWN_EN_WEIGHT = 0.0


def target_rows(registry: PartyRegistry, examples: list[TargetExample]) -> list[list[str]]:
    """Feature rows for labelled targets, through the serving engine."""
    rows = []
    for ex in examples:
        req = PartyRequest(name="target", spans=[(ex.start, ex.end)])
        rows.append(extract(registry, ex.text, parties=[req]).rows[0])
    return rows


def document_rows(registry: PartyRegistry, examples: list[DocExample]) -> list[list[str]]:
    """Feature rows for labelled documents, through the serving engine."""
    return [extract(registry, ex.text, parties=[]).doc_row for ex in examples]


def make_pipeline(c: float, min_df: int = 2) -> Pipeline:
    """The unit that is saved: vocabulary, tf-idf weighting, multinomial LR."""
    return Pipeline(
        [
            ("vectorizer", CountVectorizer(analyzer=identity, min_df=min_df, lowercase=False)),
            ("tfidf", TfidfTransformer(sublinear_tf=True)),
            ("classifier", LogisticRegression(C=c, max_iter=3000, class_weight="balanced")),
        ]
    )


def macro_f1(y_true: list[str], y_pred: list[str]) -> float:
    """Macro-averaged F1 over the three labels."""
    return float(f1_score(y_true, y_pred, labels=list(LABELS), average="macro", zero_division=0))


def _choose_c(
    name: str,
    c_grid: tuple[float, ...],
    fit: Callable[[float], Pipeline],
    dev_labels: Callable[[Pipeline], list[str]],
    y_dev: list[str],
    min_features: int,
) -> tuple[Pipeline, float, dict[str, float], int]:
    """Fit one pipeline per C; keep the one whose dev predictions score best.

    ``dev_labels`` predicts dev with the fitted pipeline *as it ships* (alone, or
    inside the ensemble), so C is judged on the model clients get.  Returns the
    pipeline, its C, the dev macro-F1 of every C and the vocabulary size.
    """
    best: tuple[float, float, Pipeline] | None = None
    scores: dict[str, float] = {}
    for c in c_grid:
        pipe = fit(c)
        f1 = macro_f1(y_dev, dev_labels(pipe))
        scores[str(c)] = round(f1, 4)
        print(f"  {name}: C={c:<4} dev macro-F1 {f1:.4f}", flush=True)
        if best is None or f1 > best[0]:
            best = (f1, c, pipe)
    assert best is not None
    _, c, pipe = best
    n_features = len(pipe.named_steps["vectorizer"].vocabulary_)
    # A one-word vocabulary means the analyzer saw strings, not feature lists.
    assert n_features > min_features, f"{name}: suspicious vocabulary size {n_features}"
    return pipe, c, scores, n_features


def fit_head(
    name: str,
    x_train: list[list[str]],
    y_train: list[str],
    w_train: np.ndarray,
    x_dev: list[list[str]],
    y_dev: list[str],
    c_grid: tuple[float, ...] = C_GRID,
    min_df: int = 2,
    min_features: int = 500,
) -> tuple[Pipeline, dict]:
    """Pick C on dev, fit, then temperature-scale on dev; return pipeline and report."""
    pipe, c, scores, n_features = _choose_c(
        name,
        c_grid,
        lambda c: make_pipeline(c, min_df).fit(x_train, y_train, classifier__sample_weight=w_train),
        lambda p: list(p.predict(x_dev)),
        y_dev,
        min_features,
    )
    report: dict = {"C": c, "dev_macro_f1_by_C": scores, "n_features": n_features}
    y_idx = np.array([LABELS.index(y) for y in y_dev])
    logits = pipe.decision_function(x_dev)
    ece_before = expected_calibration_error(_softmax(logits), y_idx)
    t = minimize_scalar(lambda t: _nll(logits / t, y_idx), bounds=(0.2, 5.0), method="bounded").x
    clf = pipe.named_steps["classifier"]
    clf.coef_ = clf.coef_ / t
    clf.intercept_ = clf.intercept_ / t
    ece_after = expected_calibration_error(pipe.predict_proba(x_dev), y_idx)
    report |= {
        "temperature": round(float(t), 4),
        "dev_ece_before_calibration": round(ece_before, 4),
        "dev_ece": round(ece_after, 4),
    }
    print(f"  {name}: chose C={c}, {n_features} features, T={t:.3f}, ECE {ece_before:.4f} -> {ece_after:.4f}")
    return pipe, report


def make_nblr_pipeline(c: float, min_df: int = 2) -> Pipeline:
    """Like :func:`make_pipeline` with an NB-LR classifier (the ensemble's second view)."""
    pipe = make_pipeline(c, min_df)
    pipe.steps[-1] = ("classifier", NBLogisticRegression(C=c))
    return pipe


def fit_target_ensemble(
    x_train: list[list[str]],
    y_train: list[str],
    w_train: np.ndarray,
    x_dev: list[list[str]],
    y_dev: list[str],
    min_df: int = 2,
    min_features: int = 500,
) -> tuple[dict, dict]:
    """LR + NB-LR, averaged, with the LR's C chosen by the *ensemble's* dev macro-F1; temperature-calibrated on dev.

    The two views err differently (NB-LR trusts rare, strongly polar words more),
    and their mean was consistently better on the dev sets than either alone.
    C is judged on the mean that ships, not on the LR alone: the LR's own best C
    is not the ensemble's (model -8: LR-alone picked C=2, the ensemble scored
    0.7061 there against 0.7115 at C=4).
    """
    nb = make_nblr_pipeline(NBLR_C, min_df).fit(x_train, y_train, classifier__sample_weight=w_train)
    lr, c, scores, n_features = _choose_c(
        "target ensemble, LR",
        TARGET_C_GRID,
        lambda c: make_pipeline(c, min_df).fit(x_train, y_train, classifier__sample_weight=w_train),
        lambda lr: [LABELS[i] for i in EnsembleHead([lr, nb]).predict_proba(x_dev).argmax(axis=1)],
        y_dev,
        min_features,
    )
    mean = EnsembleHead([lr, nb]).predict_proba(x_dev)
    y_idx = np.array([LABELS.index(y) for y in y_dev])
    t = minimize_scalar(lambda t: _nll(np.log(calibrate(mean, t)), y_idx), bounds=(0.2, 5.0), method="bounded").x
    cal = calibrate(mean, t)  # temperature keeps each row's argmax: F1 is unchanged
    report = {
        "C": c,
        "dev_macro_f1_by_C": scores,
        "n_features": n_features,
        "members": [f"LogisticRegression(C={c})", f"NBLogisticRegression(C={NBLR_C})"],
        "dev_macro_f1": scores[str(c)],
        "temperature": round(float(t), 4),
        "dev_ece_before_calibration": round(expected_calibration_error(mean, y_idx), 4),
        "dev_ece": round(expected_calibration_error(cal, y_idx), 4),
    }
    print(
        f"  target ensemble: chose C={c}, {n_features} features, dev macro-F1 {scores[str(c)]}, T={t:.3f}, "
        f"ECE {report['dev_ece_before_calibration']} -> {report['dev_ece']}"
    )
    return {"members": [lr, nb], "temperature": float(t)}, report


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def _nll(logits: np.ndarray, y: np.ndarray) -> float:
    p = _softmax(logits)
    return float(-np.log(np.clip(p[np.arange(len(y)), y], 1e-12, None)).mean())


def expected_calibration_error(proba: np.ndarray, y: np.ndarray, bins: int = 10) -> float:
    """ECE of the top-class probability, equal-width bins."""
    conf = proba.max(axis=1)
    correct = proba.argmax(axis=1) == y
    edges = np.linspace(0, 1, bins + 1)
    ece = 0.0
    for lo, hi in itertools.pairwise(edges):
        sel = (conf > lo) & (conf <= hi)
        if sel.any():
            ece += sel.mean() * abs(conf[sel].mean() - correct[sel].mean())
    return float(ece)


def build(data_dir: Path, registry: PartyRegistry, en_targets_weight: float = OWN_EN_WEIGHT) -> tuple[dict, dict]:
    """Fit both heads; return the bundle dict and the training report."""
    t0 = time.time()
    own_train = corpora.own_targets("train")
    dev_sets = {name: examples for name, (_, examples) in corpora.target_dev_sets(data_dir).items()}
    own_dev = dev_sets["sikap-id-targets dev"]
    own_en_train = corpora.own_en_targets("train") if en_targets_weight > 0 else []
    own_en_dev = corpora.own_en_targets("dev")
    # Coreferent mentions ("she", "the senator") share the target's label: more contexts.
    tgt_train = corpora.newsmtsc(data_dir, "train", coreferences=True) + own_train + own_en_train
    # The written English dev set is reported, not used for choices: the public dev sets decide.
    tgt_dev = [e for examples in dev_sets.values() for e in examples]

    nusax_id_held = corpora.nusax(data_dir, "indonesian", "test") + corpora.nusax(data_dir, "indonesian", "valid")
    smsa_train, smsa_dropped = corpora.dedupe_against(corpora.smsa(data_dir, "train"), nusax_id_held)
    smsa_valid, smsa_valid_dropped = corpora.dedupe_against(corpora.smsa(data_dir, "valid"), nusax_id_held)
    # One document head per language: a shared one loses English accuracy.
    doc_train = {
        "id": corpora.nusax(data_dir, "indonesian", "train") + smsa_train,
        "en": corpora.nusax(data_dir, "english", "train"),
    }
    doc_dev = {
        "id": corpora.nusax(data_dir, "indonesian", "valid") + smsa_valid,
        "en": corpora.nusax(data_dir, "english", "valid"),
    }
    print(
        f"data: {len(tgt_train)} target train ({len(own_train)} own), {len(tgt_dev)} target dev; "
        f"doc train id {len(doc_train['id'])} / en {len(doc_train['en'])}; SmSA rows dropped as NusaX "
        f"near-duplicates: train {smsa_dropped}, valid {smsa_valid_dropped}",
        flush=True,
    )

    x_tt = target_rows(registry, tgt_train)
    dev_rows = {name: target_rows(registry, examples) for name, examples in dev_sets.items()}
    x_td = [row for rows in dev_rows.values() for row in rows]
    source_weight = {"sikap-id-targets": OWN_WEIGHT, "sikap-en-targets": en_targets_weight}
    w_tt = np.array([source_weight.get(e.source, 1.0) for e in tgt_train])
    print(f"target features extracted in {time.time() - t0:.1f}s", flush=True)
    target, target_report = fit_target_ensemble(
        x_tt, [e.label for e in tgt_train], w_tt, x_td, [e.label for e in tgt_dev]
    )
    documents, doc_reports = {}, {}
    for lang in ("id", "en"):
        train, dev = doc_train[lang], doc_dev[lang]
        # NusaX is small and is the benchmark; SmSA is a large set of reviews.
        weights = np.array([2.0 if e.source == "nusax-senti" else 1.0 for e in train])
        documents[lang], doc_reports[lang] = fit_head(
            f"document-{lang}",
            document_rows(registry, train),
            [e.label for e in train],
            weights,
            document_rows(registry, dev),
            [e.label for e in dev],
            DOC_C_GRID,
            min_df=2 if lang == "id" else 1,
        )
    head = make_head(target)
    own_scores = {}
    own_en_rows = target_rows(registry, own_en_dev)
    for key, dev, rows in (
        ("own_id_dev", own_dev, dev_rows["sikap-id-targets dev"]),  # rows already built for x_td
        ("own_en_dev", own_en_dev, own_en_rows),
    ):
        f1 = 0.0
        if dev:
            pred = head.predict_proba(rows).argmax(axis=1)
            f1 = macro_f1([e.label for e in dev], [LABELS[i] for i in pred])
        own_scores[key] = {"macro_f1": round(f1, 4), "n": len(dev)}
        print(f"{key}: target macro-F1 {f1:.4f} ({len(dev)} targets)")

    report = {
        "target_head": target_report,
        "document_heads": doc_reports,
        **own_scores,
        "en_targets_weight": en_targets_weight,
        "smsa_dedup": {"train_dropped": smsa_dropped, "valid_dropped": smsa_valid_dropped},
        "training_rows": {
            "target": dict(Counter(e.source for e in tgt_train)),
            "document": dict(Counter(e.source for rows in doc_train.values() for e in rows)),
        },
        "own_corpus_labels": dict(Counter(e.label for e in own_train + own_dev)),
        "own_en_corpus_labels": dict(Counter(e.label for e in own_en_train + own_en_dev)),
    }
    bundle = {"format": 2, "target": target, "document": documents, "labels": list(LABELS)}
    return bundle, report


def main(argv: list[str] | None = None) -> int:
    """CLI entry point."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument(
        "--data-dir", type=Path, default=None, help="shared datasets (default: $SIKAP_DATA_DIR or ../shared/data)"
    )
    ap.add_argument("--models-dir", type=Path, default=MODELS_DIR)
    ap.add_argument("--version", default=None, help="bundle version (default: UTC timestamp)")
    ap.add_argument("--promote", action="store_true", help="point models/CURRENT at the new bundle")
    ap.add_argument("--no-eval", action="store_true", help="skip the test-set evaluation")
    ap.add_argument(
        "--en-targets-weight",
        type=float,
        default=OWN_EN_WEIGHT,
        help="sample weight of the project's English targets (default 0: evaluation only; see train.py)",
    )
    args = ap.parse_args(argv)
    data_dir = args.data_dir or corpora.default_data_dir()
    if not (data_dir / "newsmtsc").is_dir():
        print(f"error: shared datasets not found in {data_dir} (use --data-dir or SIKAP_DATA_DIR)", file=sys.stderr)
        return 2
    version = args.version or datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    t0 = time.time()
    registry = PartyRegistry.load()
    bundle, report = build(data_dir, registry, args.en_targets_weight)
    train_seconds = round(time.time() - t0, 1)
    evaluation = {}
    if not args.no_eval:
        from .evaluate import evaluate_model

        evaluation = evaluate_model(StanceModel(bundle, {"version": version}), registry, data_dir)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    metadata = {
        "registry_version": registry.version,
        "data_sources": corpora.SOURCES,
        "training": {**report, "train_seconds": train_seconds, "peak_rss_mb": round(peak_mb, 1)},
        "evaluation": evaluation,
    }
    from .model_card import render_model_card

    path = save_bundle(bundle, args.models_dir, version, metadata, render_model_card(version, metadata))
    size_mb = (path / "model.joblib").stat().st_size / 1e6
    print(f"wrote {path} (model.joblib {size_mb:.1f} MB) in {time.time() - t0:.0f}s, peak RSS {peak_mb:.0f} MB")
    if args.promote:
        (args.models_dir / CURRENT_FILE).write_text(version + "\n", encoding="utf-8")
        print(f"models/{CURRENT_FILE} -> {version}")
    else:
        print(f"serve it with SIKAP_MODEL_VERSION={version}, or rerun with --promote")
    return 0


if __name__ == "__main__":
    sys.exit(main())
