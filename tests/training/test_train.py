"""The training functions on tiny synthetic data (the full run is `python -m training.train`)."""

import json

import numpy as np

from service.engine.model import LABELS, EnsembleHead
from tests.conftest import _tiny_examples
from training.evaluate import render_table
from training.train import expected_calibration_error, fit_target_ensemble, macro_f1, target_rows


def test_target_ensemble_fits_and_calibrates(registry, monkeypatch):
    monkeypatch.setattr("training.train.TARGET_C_GRID", (1.0,))
    targets, _ = _tiny_examples()
    rows = target_rows(registry, targets)
    labels = [e.label for e in targets]
    spec, report = fit_target_ensemble(rows, labels, np.ones(len(rows)), rows, labels, min_df=1, min_features=10)
    head = EnsembleHead(spec["members"], spec["temperature"])
    assert head.predict_proba(rows).shape == (len(rows), 3)
    assert report["dev_macro_f1"] > 0.9
    assert 0 <= report["dev_ece"] <= 1


def test_target_c_is_chosen_by_the_shipped_ensembles_dev_score(registry, monkeypatch):
    """C is judged on LR + NB-LR averaged (what ships), and the report says which C won and why."""
    monkeypatch.setattr("training.train.TARGET_C_GRID", (0.01, 1.0))
    targets, _ = _tiny_examples()
    rows = target_rows(registry, targets)
    labels = [e.label for e in targets]
    spec, report = fit_target_ensemble(rows, labels, np.ones(len(rows)), rows, labels, min_df=1, min_features=10)
    by_c = report["dev_macro_f1_by_C"]
    assert set(by_c) == {"0.01", "1.0"}
    assert report["dev_macro_f1"] == max(by_c.values()) == by_c[str(report["C"])]
    assert spec["members"][0].named_steps["classifier"].C == report["C"]
    mean = EnsembleHead(spec["members"]).predict_proba(rows)
    assert by_c[str(report["C"])] == round(macro_f1(labels, [LABELS[i] for i in mean.argmax(axis=1)]), 4)


def test_expected_calibration_error_bounds():
    p = np.array([[0.9, 0.05, 0.05], [0.1, 0.8, 0.1]])
    assert expected_calibration_error(p, np.array([0, 1])) < 0.2
    assert expected_calibration_error(p, np.array([1, 0])) > 0.8


def test_render_table_marks_targets():
    res = {
        k: {"macro_f1": 0.7, "accuracy": 0.71, "n": 10}
        for k in ("newsmtsc-rw", "newsmtsc-mt", "nusax-ind", "nusax-eng", "smsa")
    }
    res["sikap-en-targets-dev"] = {"macro_f1": 0.5, "accuracy": 0.6, "n": 4}
    table = render_table(res, "v")
    assert "| newsmtsc-rw | 10 | 70.0 | 71.0 | >= 68 ✓" in table
    assert "| nusax-ind | 10 | 70.0 | 71.0 | >= 80 ✗" in table
    assert "| sikap-en-targets dev (own, English) | 4 | 50.0 | 60.0 |" in table
    assert "sikap-id-targets" not in table  # rows only for the sets that were evaluated


def test_render_table_shows_the_interval_where_measured():
    res = {
        k: {"macro_f1": 0.7, "accuracy": 0.71, "n": 10}
        for k in ("newsmtsc-rw", "newsmtsc-mt", "nusax-ind", "nusax-eng", "smsa")
    }
    res["newsmtsc-rw"]["macro_f1_ci95"] = [0.6512, 0.7433]
    table = render_table(res, "v")
    assert "| newsmtsc-rw | 10 | 70.0 | 71.0 | >= 68 ✓ | 65.1–74.3 | BERT SPC" in table
    assert "| newsmtsc-mt | 10 | 70.0 | 71.0 | >= 65 ✓ | – | BERT SPC" in table  # older metadata: no interval


def test_article_set_scores_parties_with_an_interval_by_article(tmp_path):
    from training.evaluate import evaluate_articles

    rows = [
        {"id": "a1", "text": "x", "parties": {"Russia": "negative", "Japan": "positive"}},
        {"id": "a2", "text": "y", "parties": {"Russia": "neutral", "China": "negative"}},
    ]
    path = tmp_path / "articles.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    answers = {
        "a1": [{"name": "Russia", "label": "negative"}, {"name": "Japan", "label": "neutral"}],
        "a2": [{"name": "Russia", "label": "neutral"}, {"name": "Ukraine", "label": "negative"}],
    }
    res = evaluate_articles(lambda arts: [{"parties": answers[a["id"]]} for a in arts], path)
    assert (res["n"], res["articles"], res["party_recall"], res["extra_parties"]) == (3, 2, 0.75, 1)
    lo, hi = res["macro_f1_ci95"]
    assert lo <= res["macro_f1"] <= hi
    assert res["recall"] == {"negative": 1.0, "neutral": 1.0, "positive": 0.0}
    assert res["support"] == {"negative": 1, "neutral": 1, "positive": 1}


def test_model_card_quotes_its_own_bundles_real_news_recall():
    from training.model_card import render_model_card

    news = {"macro_f1": 0.5, "accuracy": 0.7, "n": 100, "recall": {"negative": 0.25}, "support": {"negative": 20}}
    meta = {
        "data_sources": {
            "sikap-id-news": {"license": "own", "citation": "x"},
            "sikap-en-targets": {"license": "own", "citation": "y"},
        },
        "evaluation": {
            "sikap-id-news": news,
            **{k: {"macro_f1": 0.7, "accuracy": 0.7, "n": 1} for k in ("newsmtsc-rw", "newsmtsc-mt")},
            **{k: {"macro_f1": 0.8, "accuracy": 0.8, "n": 1} for k in ("nusax-ind", "nusax-eng", "smsa")},
        },
    }
    card = render_model_card("v1", meta)
    assert "This bundle finds 5 of its 20 negatives." in card
    assert "| sikap-id-news (x) | own | 0 (evaluation only) |" in card
    assert "| sikap-en-targets (y) | own | 0 |" in card  # neither trained on nor evaluated here
    assert "This bundle finds" not in render_model_card("v0", {"evaluation": {}})
