"""The stance model: two fitted scikit-learn pipelines and a fast scorer for them.

A bundle holds two ``Pipeline(CountVectorizer(analyzer=identity),
TfidfTransformer, LogisticRegression)`` objects: ``target`` classifies the
stance toward one mention, ``document`` the article's overall sentiment.

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
        self.vocabulary: dict[str, int] = dict(vec.vocabulary_)
        self.idf = np.asarray(tfidf.idf_, dtype=np.float64)
        self.coef = np.ascontiguousarray(clf.coef_.T, dtype=np.float64)  # (n_features, 3)
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
        rid, col, counts = self._counts(rows)
        logits = np.tile(self.intercept, (n, 1))
        if col.size:
            w = (np.log(counts) + 1.0) * self.idf[col]
            norm = np.sqrt(np.bincount(rid, weights=w * w, minlength=n))
            norm[norm == 0] = 1.0
            contrib = self.coef[col] * w[:, None]
            for k in range(3):
                logits[:, k] += np.bincount(rid, weights=contrib[:, k], minlength=n) / norm
        logits -= logits.max(axis=1, keepdims=True)
        np.exp(logits, out=logits)
        logits /= logits.sum(axis=1, keepdims=True)
        return logits


class StanceModel:
    """A loaded bundle: target-level and document-level heads plus their metadata."""

    def __init__(self, bundle: dict, metadata: dict | None = None) -> None:
        self.bundle = bundle
        self.metadata = metadata or {}
        self.target = LinearHead(bundle["target"])
        self.document = LinearHead(bundle["document"])

    @property
    def version(self) -> str:
        """The bundle's version string ("unversioned" for ad-hoc models)."""
        return str(self.metadata.get("version", "unversioned"))

    def mention_proba(self, rows: Sequence[Sequence[str]]) -> np.ndarray:
        """Stance probabilities for mention feature lists."""
        return self.target.predict_proba(rows)

    def document_proba(self, rows: Sequence[Sequence[str]]) -> np.ndarray:
        """Sentiment probabilities for document feature lists."""
        return self.document.predict_proba(rows)
