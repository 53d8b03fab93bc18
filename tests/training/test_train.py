"""The training functions on tiny synthetic data (the full run is `python -m training.train`)."""

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
