"""The bootstrap interval of macro-F1 (training/stats.py)."""

import numpy as np
import pytest

from service.engine.model import LABELS
from training.stats import macro_f1_ci, macro_f1_difference
from training.train import macro_f1


def _predictions(n: int, accuracy: float, seed: int) -> tuple[list[str], list[str]]:
    rng = np.random.default_rng(seed)
    gold = list(rng.choice(LABELS, n))
    pred = [g if rng.random() < accuracy else str(rng.choice(LABELS)) for g in gold]
    return gold, pred


def test_interval_brackets_the_estimate_and_is_repeatable():
    gold, pred = _predictions(800, 0.7, seed=1)
    lo, hi = macro_f1_ci(gold, pred)
    assert lo < macro_f1(gold, pred) < hi
    assert 0.03 < hi - lo < 0.10  # about ±1.96 * sqrt(p(1-p)/n) at n = 800
    assert macro_f1_ci(gold, pred) == (lo, hi)


def test_resampled_macro_f1_is_sklearns():
    """One resample that draws every example once is the plain macro-F1, zero_division=0 included."""
    gold, pred = _predictions(300, 0.6, seed=2)
    pred = [p if p != "positive" else "neutral" for p in pred]  # a label never predicted
    lo, hi = macro_f1_ci(gold, pred, groups=["all"] * len(gold), n_resamples=5)
    assert lo == pytest.approx(macro_f1(gold, pred)) == pytest.approx(hi)


def test_a_label_absent_from_gold_and_predictions_counts_as_zero_like_sklearn():
    """sklearn with labels=LABELS, zero_division=0 averages in a 0 for a label nobody used."""
    gold = ["neutral"] * 6 + ["negative"] * 4
    pred = ["neutral"] * 5 + ["negative"] * 5
    lo, hi = macro_f1_ci(gold, pred, groups=["g"] * len(gold), n_resamples=3)
    assert lo == pytest.approx(macro_f1(gold, pred)) == pytest.approx(hi)
    assert macro_f1(["neutral"] * 4, ["neutral"] * 4) == pytest.approx(1 / 3)
    assert macro_f1_ci(["neutral"] * 4, ["neutral"] * 4) == pytest.approx((1 / 3, 1 / 3))


def test_groups_are_told_apart_by_text_and_numbered_stably():
    gold, pred = _predictions(60, 0.6, seed=8)
    names = [f"s{i % 20}" for i in range(60)]
    assert macro_f1_ci(gold, pred, names) == macro_f1_ci(gold, pred, [n.encode().decode() for n in names])
    assert macro_f1_ci(gold, pred, [i % 20 for i in range(60)]) == macro_f1_ci(
        gold, pred, [str(i % 20) for i in range(60)]
    )


def test_perfect_predictions_give_a_point():
    gold, _ = _predictions(100, 1.0, seed=3)
    assert macro_f1_ci(gold, gold) == (1.0, 1.0)


def test_resampling_groups_widens_the_interval_when_groups_agree_inside():
    """Ten copies of each sentence's verdict are one piece of evidence, not ten."""
    gold, pred = _predictions(80, 0.7, seed=4)
    gold10, pred10 = [g for g in gold for _ in range(10)], [p for p in pred for _ in range(10)]
    groups = [i for i in range(80) for _ in range(10)]
    lo_i, hi_i = macro_f1_ci(gold10, pred10)
    lo_g, hi_g = macro_f1_ci(gold10, pred10, groups)
    assert hi_g - lo_g > 2 * (hi_i - lo_i)


def test_mismatched_or_empty_input_is_refused():
    with pytest.raises(ValueError):
        macro_f1_ci(["negative"], [])
    with pytest.raises(ValueError):
        macro_f1_ci([], [])


def test_difference_of_identical_predictions_is_exactly_zero():
    gold, pred = _predictions(200, 0.7, seed=5)
    d = macro_f1_difference(gold, pred, list(pred))
    assert (d.delta, d.lo, d.hi, d.b_better_share, d.b_worse_share) == (0.0, 0.0, 0.0, 0.0, 0.0)


def test_difference_finds_the_better_model_and_its_point_is_sklearns():
    gold, pred_a = _predictions(400, 0.6, seed=6)
    d = macro_f1_difference(gold, pred_a, list(gold))
    assert d.delta == pytest.approx(1.0 - macro_f1(gold, pred_a))
    assert 0 < d.lo < d.delta < d.hi
    assert d.b_better_share == 1.0 and d.b_worse_share == 0.0


def test_paired_interval_is_narrower_than_either_models_own():
    """B fixes 10 of A's errors: the pairing sees that, separate intervals would overlap."""
    gold, pred_a = _predictions(800, 0.7, seed=7)
    wrong = [i for i, (g, p) in enumerate(zip(gold, pred_a, strict=True)) if g != p][:10]
    pred_b = [g if i in wrong else p for i, (g, p) in enumerate(zip(gold, pred_a, strict=True))]
    d = macro_f1_difference(gold, pred_a, pred_b)
    lo_a, hi_a = macro_f1_ci(gold, pred_a)
    assert d.lo > 0
    assert d.hi - d.lo < (hi_a - lo_a) / 3
