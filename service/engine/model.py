"""The stance model: two fitted scikit-learn pipelines and a fast scorer for them.

A bundle holds ``Pipeline(CountVectorizer(analyzer=identity), TfidfTransformer,
LogisticRegression)`` objects: ``target`` classifies the stance toward one
mention (both languages), ``document`` maps a language ("id", "en") to the head
for the article's overall sentiment in that language.

Serving does not call ``Pipeline.predict_proba``: it costs about a millisecond
per call whatever the row count, more than the rest of a request.  ``LinearHead``
reads the *fitted* vocabulary, idf and coefficients and computes the same
function (sublinear tf × idf, l2 norm, · coef + intercept, softmax) for all
rows of a request in a handful of numpy calls.  ``tests/engine/test_model.py``
checks it against ``predict_proba`` on the shipped model.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import chain, repeat

import numpy as np
from sklearn.pipeline import Pipeline

from .features import FEATURE_FAMILIES
from .nblr import NBLogisticRegression

LABELS = ("negative", "neutral", "positive")


class LinearHead:
    """Exact, vectorised re-implementation of one fitted text pipeline's predict_proba."""

    def __init__(self, pipeline: Pipeline) -> None:
        vec = pipeline.named_steps["vectorizer"]
        tfidf = pipeline.named_steps["tfidf"]
        clf = pipeline.named_steps["classifier"]
        if tuple(clf.classes_) != LABELS:
            raise ValueError(f"classifier classes {list(clf.classes_)} != {list(LABELS)}")
        if not (tfidf.sublinear_tf and tfidf.norm == "l2" and tfidf.use_idf):
            raise ValueError("LinearHead expects TfidfTransformer(sublinear_tf=True, norm='l2')")
        self.pipeline = pipeline
        # The fitted dict itself, not a copy: ~4 MB of table per 167k-feature head.
        self.vocabulary: dict[str, int] = vec.vocabulary_
        self.idf = np.asarray(tfidf.idf_, dtype=np.float64)
        # NB-LR is one-vs-rest: sigmoid per class, then renormalised; LR is a softmax.
        self.one_vs_rest = isinstance(clf, NBLogisticRegression)
        coef = clf.effective_coef() if self.one_vs_rest else clf.coef_
        self.coef = np.ascontiguousarray(coef.T, dtype=np.float64)  # (n_features, 3)
        self.intercept = np.asarray(clf.intercept_, dtype=np.float64)

    @property
    def n_features(self) -> int:
        """Width of the fitted vocabulary."""
        return len(self.vocabulary)

    def _counts(self, rows: Sequence[Sequence[str]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Row index, column and count of every (row, known feature) pair, sorted by row then column.

        One C-level ``map`` over all features of all rows and one ``np.unique``
        instead of a Python loop per feature; unknown features are dropped, as
        ``CountVectorizer.transform`` drops them.
        """
        nf = len(self.vocabulary)
        flat = list(chain.from_iterable(rows))
        cols = np.fromiter(map(self.vocabulary.get, flat, repeat(nf)), dtype=np.intp, count=len(flat))
        rids = np.repeat(np.arange(len(rows), dtype=np.intp), [len(r) for r in rows])
        known = cols < nf
        keys, counts = np.unique(rids[known] * nf + cols[known], return_counts=True)
        rid, col = np.divmod(keys, nf)
        return rid, col, counts.astype(np.float64)

    def predict_proba(self, rows: Sequence[Sequence[str]]) -> np.ndarray:
        """Class probabilities (negative, neutral, positive) for feature lists."""
        n = len(rows)
        if n == 0:
            return np.zeros((0, 3))
        return self.proba_from_counts(n, *self._counts(rows))

    def proba_from_counts(self, n: int, rid: np.ndarray, col: np.ndarray, counts: np.ndarray) -> np.ndarray:
        """Probabilities for ``n`` rows given :meth:`_counts` (of any head with the same vocabulary)."""
        logits = np.tile(self.intercept, (n, 1))
        if col.size:
            w = (np.log(counts) + 1.0) * self.idf[col]
            norm = np.sqrt(np.bincount(rid, weights=w * w, minlength=n))
            norm[norm == 0] = 1.0
            contrib = self.coef[col] * w[:, None]
            for k in range(3):
                logits[:, k] += np.bincount(rid, weights=contrib[:, k], minlength=n) / norm
        if self.one_vs_rest:
            p = 1.0 / (1.0 + np.exp(-logits))
            return p / p.sum(axis=1, keepdims=True)
        logits -= logits.max(axis=1, keepdims=True)
        np.exp(logits, out=logits)
        logits /= logits.sum(axis=1, keepdims=True)
        return logits


class EnsembleHead:
    """Mean of several heads' probabilities, then temperature-calibrated.

    ``p ∝ mean(p_i) ** (1 / temperature)``: the temperature is fitted on dev data
    by ``training.train`` (1.0 leaves the mean unchanged).
    """

    def __init__(self, pipelines: Sequence[Pipeline], temperature: float = 1.0) -> None:
        self.members = [LinearHead(p) for p in pipelines]
        self.temperature = float(temperature)
        # Members fitted on the same rows have equal vocabularies: keep one dict (the
        # others, with their key strings, are freed: ~20 MB per 167k features) and
        # look each request's features up once for all members.
        first = self.members[0].vocabulary
        self.shared_vocabulary = all(m.vocabulary == first for m in self.members[1:])
        if self.shared_vocabulary:
            for m, p in zip(self.members[1:], pipelines[1:], strict=True):
                m.vocabulary = p.named_steps["vectorizer"].vocabulary_ = first

    def predict_proba(self, rows: Sequence[Sequence[str]]) -> np.ndarray:
        """Calibrated mean probabilities (negative, neutral, positive)."""
        if self.shared_vocabulary and len(rows):
            counts = self.members[0]._counts(rows)
            probs = [m.proba_from_counts(len(rows), *counts) for m in self.members]
        else:
            probs = [m.predict_proba(rows) for m in self.members]
        p = sum(probs) / len(self.members)
        return calibrate(p, self.temperature)


def calibrate(p: np.ndarray, temperature: float) -> np.ndarray:
    """Temperature-scale probabilities: ``p ** (1/T)``, renormalised."""
    if temperature == 1.0 or len(p) == 0:
        return p
    q = np.power(np.clip(p, 1e-12, 1.0), 1.0 / temperature)
    return q / q.sum(axis=1, keepdims=True)


def make_head(spec: Pipeline | dict) -> LinearHead | EnsembleHead:
    """A head from a bundle entry: a single pipeline or ``{"members", "temperature"}``."""
    if isinstance(spec, dict):
        return EnsembleHead(spec["members"], spec.get("temperature", 1.0))
    return LinearHead(spec)


class StanceModel:
    """A loaded bundle: target-level and document-level heads plus their metadata."""

    def __init__(self, bundle: dict, metadata: dict | None = None) -> None:
        self.bundle = bundle
        self.metadata = metadata or {}
        self.target = make_head(bundle["target"])
        self.documents = {lang: make_head(p) for lang, p in bundle["document"].items()}
        # The feature families the engine emits for this bundle: those it was trained on
        # (``load_bundle`` fills in a legacy bundle's); ad-hoc models get all of this code's.
        self.feature_families = frozenset(self.metadata.get("feature_families", FEATURE_FAMILIES))

    @property
    def version(self) -> str:
        """The bundle's version string ("unversioned" for ad-hoc models)."""
        return str(self.metadata.get("version", "unversioned"))

    def mention_proba(self, rows: Sequence[Sequence[str]]) -> np.ndarray:
        """Stance probabilities for mention feature lists."""
        return self.target.predict_proba(rows)

    def document_proba(self, rows: Sequence[Sequence[str]], language: str) -> np.ndarray:
        """Sentiment probabilities for document feature lists in ``language``."""
        head = self.documents.get(language) or next(iter(self.documents.values()))
        return head.predict_proba(rows)
