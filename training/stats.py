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


def _group_index(n: int, groups: Sequence[Hashable] | None) -> np.ndarray:
    """Each example's group as 0..g-1 (every example its own group when ``groups`` is None)."""
    if groups is None:
        return np.arange(n)
    if len(groups) != n:
        raise ValueError(f"{n} examples but {len(groups)} group names")
    return np.unique(np.asarray(list(groups), dtype=object).astype(str), return_inverse=True)[1]


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


def macro_f1_ci(
    gold: Sequence[str],
    pred: Sequence[str],
    groups: Sequence[Hashable] | None = None,
    n_resamples: int = 2000,
    level: float = 0.95,
    seed: int = 0,
) -> tuple[float, float]:
    """Percentile bootstrap interval of macro-F1 over ``LABELS``, resampling whole ``groups``.

    ``groups`` names each example's group (a sentence, an article); ``None``
    treats every example as its own group.  The seed is fixed, so the same
    predictions always give the same interval.
    """
    if not gold:
        raise ValueError("no examples")
    group_of = _group_index(len(gold), groups)
    per_group = _per_group_confusion(gold, pred, group_of)
    scores = _macro_f1(_times_drawn(len(per_group), n_resamples, seed) @ per_group)
    lo, hi = np.quantile(scores, [(1 - level) / 2, (1 + level) / 2])
    return float(lo), float(hi)


@dataclass(frozen=True)
class Difference:
    """Macro-F1 of B minus A on the same examples, with its paired bootstrap interval."""

    delta: float
    lo: float
    hi: float
    b_better_share: float  # share of resamples in which B scores higher than A
    b_worse_share: float  # ... lower (the rest are ties: the models agree there)


def macro_f1_difference(
    gold: Sequence[str],
    pred_a: Sequence[str],
    pred_b: Sequence[str],
    groups: Sequence[Hashable] | None = None,
    n_resamples: int = 2000,
    level: float = 0.95,
    seed: int = 0,
) -> Difference:
    """Paired bootstrap of ``macro_f1(pred_b) - macro_f1(pred_a)``: both scored on each resample."""
    if not gold:
        raise ValueError("no examples")
    group_of = _group_index(len(gold), groups)
    a = _per_group_confusion(gold, pred_a, group_of)
    b = _per_group_confusion(gold, pred_b, group_of)
    drawn = _times_drawn(len(a), n_resamples, seed)
    deltas = _macro_f1(drawn @ b) - _macro_f1(drawn @ a)
    lo, hi = np.quantile(deltas, [(1 - level) / 2, (1 + level) / 2])
    point = float(_macro_f1(b.sum(axis=0))[0] - _macro_f1(a.sum(axis=0))[0])
    return Difference(point, float(lo), float(hi), float((deltas > 0).mean()), float((deltas < 0).mean()))
