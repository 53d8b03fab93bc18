"""How sure a macro-F1 figure is, and whether one model really beats another.

A test set of 800 targets measures macro-F1 to within a few points, so a figure
0.1 below a bar, or 0.3 above the last model, says little on its own; a
bootstrap interval says how much.

Hand-written rather than ``scipy.stats.bootstrap`` because the unit resampled
must be the *group*: NewsMTSC's targets of one sentence (every test-mt sentence
has several) and the parties of one article share their context and are not
independent draws, and scipy resamples single observations.  Resampling whole
groups gives the wider, honest interval.  Each resample's macro-F1 comes from
summed per-group confusion counts, so 2,000 resamples take milliseconds, and
two models compared on the same resamples give a *paired* interval of their
difference, much narrower than two separate intervals would suggest.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np

from service.engine.model import LABELS

_CODE = {label: i for i, label in enumerate(LABELS)}
_K = len(LABELS)
N_RESAMPLES = 2000
LEVEL = 0.95


def _group_index(n: int, groups: Sequence[Hashable] | None) -> np.ndarray:
    """Each example's group as 0..g-1 (every example its own group when ``groups`` is None).

    Groups are told apart by their text (``1`` and ``"1"`` are one group) and numbered
    in sorted order, so the same groups always meet the same seeded draws.
    """
    if groups is None:
        return np.arange(n)
    if len(groups) != n:
        raise ValueError(f"{n} examples but {len(groups)} group names")
    names = [str(g) for g in groups]
    index = {name: i for i, name in enumerate(sorted(set(names)))}
    return np.array([index[name] for name in names])


def _per_group_confusion(gold: Sequence[str], pred: Sequence[str], group_of: np.ndarray) -> np.ndarray:
    """(groups, 9) confusion counts, cell ``gold * 3 + pred``."""
    if len(gold) != len(pred):
        raise ValueError(f"{len(gold)} gold labels but {len(pred)} predictions")
    cells = np.array([_CODE[g] * _K + _CODE[p] for g, p in zip(gold, pred, strict=True)])
    out = np.zeros((int(group_of.max()) + 1, _K * _K))
    np.add.at(out, (group_of, cells), 1)
    return out


def _times_drawn(n_groups: int, n_resamples: int, seed: int) -> np.ndarray:
    """(resamples, groups): how often each group is drawn in each resample."""
    draws = np.random.default_rng(seed).integers(0, n_groups, size=(n_resamples, n_groups))
    offsets = (np.arange(n_resamples) * n_groups)[:, None]
    return np.bincount((draws + offsets).ravel(), minlength=n_resamples * n_groups).reshape(n_resamples, n_groups)


def _macro_f1(confusion: np.ndarray) -> np.ndarray:
    """Macro-F1 of each row of (n, 9) confusion counts; per label ``2tp / (gold + predicted)``, 0 if absent."""
    c = confusion.reshape(-1, _K, _K)
    tp = np.diagonal(c, axis1=1, axis2=2)
    denom = c.sum(axis=2) + c.sum(axis=1)
    return np.divide(2 * tp, denom, out=np.zeros(tp.shape), where=denom > 0).mean(axis=1)


def _resampled(
    gold: Sequence[str],
    preds: Sequence[Sequence[str]],
    groups: Sequence[Hashable] | None,
    n_resamples: int,
    seed: int,
) -> list[np.ndarray]:
    """Macro-F1 of each prediction list on the same ``n_resamples`` group resamples."""
    if not gold:
        raise ValueError("no examples")
    group_of = _group_index(len(gold), groups)
    per_group = [_per_group_confusion(gold, pred, group_of) for pred in preds]
    drawn = _times_drawn(len(per_group[0]), n_resamples, seed)
    return [_macro_f1(drawn @ pg) for pg in per_group]


def _whole_set(gold: Sequence[str], pred: Sequence[str]) -> float:
    """Macro-F1 of the whole set, by the same arithmetic as the resamples."""
    return float(_macro_f1(_per_group_confusion(gold, pred, np.zeros(len(gold), dtype=int)))[0])


def _interval(values: np.ndarray, level: float) -> tuple[float, float]:
    lo, hi = np.quantile(values, [(1 - level) / 2, (1 + level) / 2])
    return float(lo), float(hi)


def macro_f1_ci(
    gold: Sequence[str],
    pred: Sequence[str],
    groups: Sequence[Hashable] | None = None,
    n_resamples: int = N_RESAMPLES,
    level: float = LEVEL,
    seed: int = 0,
) -> tuple[float, float]:
    """Percentile bootstrap interval of macro-F1 over ``LABELS``, resampling whole ``groups``.

    ``groups`` names each example's group (a sentence, an article); ``None``
    treats every example as its own group.  The seed is fixed, so the same
    predictions always give the same interval.
    """
    (scores,) = _resampled(gold, [pred], groups, n_resamples, seed)
    return _interval(scores, level)


@dataclass(frozen=True)
class Difference:
    """Macro-F1 of B minus A on the same examples, with its paired bootstrap interval."""

    delta: float
    lo: float
    hi: float
    b_better_share: float  # share of resamples in which B scores higher than A
    b_worse_share: float  # ... lower (the rest are ties: equal macro-F1 on that resample)


def macro_f1_difference(
    gold: Sequence[str],
    pred_a: Sequence[str],
    pred_b: Sequence[str],
    groups: Sequence[Hashable] | None = None,
    n_resamples: int = N_RESAMPLES,
    level: float = LEVEL,
    seed: int = 0,
) -> Difference:
    """Paired bootstrap of ``macro_f1(pred_b) - macro_f1(pred_a)``: both scored on each resample.

    A resample counts as a win or a loss only beyond float noise (``1e-12``).
    """
    a, b = _resampled(gold, [pred_a, pred_b], groups, n_resamples, seed)
    deltas = b - a
    point = _whole_set(gold, pred_b) - _whole_set(gold, pred_a)
    lo, hi = _interval(deltas, level)
    return Difference(point, lo, hi, float((deltas > 1e-12).mean()), float((deltas < -1e-12).mean()))
