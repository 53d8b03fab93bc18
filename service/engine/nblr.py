# ruff: noqa: N803, N806 - scikit-learn naming (X, C)
"""NB-LR: logistic regression on naive-Bayes log-count-ratio scaled features.

Wang & Manning (2012) showed that scaling each binary feature by how much more
often it occurs in one class than in the rest, then fitting a linear model,
beats both plain NB and plain LR on short sentiment texts.  This is the
multi-class, one-vs-rest form: one scaled binary LR per class, probabilities
renormalised to sum to one.  It is a scikit-learn estimator so it lives inside
the saved ``Pipeline`` like any other classifier.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression


class NBLogisticRegression(ClassifierMixin, BaseEstimator):
    """One-vs-rest logistic regression on NB log-count-ratio scaled features.

    Parameters
    ----------
    C : float
        Inverse regularisation strength of each binary logistic regression.
    class_weight : dict, "balanced" or None
        Passed to each binary logistic regression.
    alpha : float
        Additive smoothing of the feature counts.
    max_iter : int
        Iterations of each binary fit.
    """

    def __init__(self, C: float = 1.0, class_weight: str | dict | None = "balanced", alpha: float = 1.0,
                 max_iter: int = 3000) -> None:  # fmt: skip
        self.C = C
        self.class_weight = class_weight
        self.alpha = alpha
        self.max_iter = max_iter

    def fit(self, X: sp.spmatrix, y: np.ndarray, sample_weight: np.ndarray | None = None) -> NBLogisticRegression:
        """Fit one scaled binary LR per class."""
        X = sp.csr_matrix(X)
        y = np.asarray(y)
        self.classes_ = np.unique(y)
        binary = (X > 0).astype(np.float64)
        ratios, coefs, intercepts = [], [], []
        for c in self.classes_:
            pos = np.asarray(binary[y == c].sum(axis=0)).ravel() + self.alpha
            neg = np.asarray(binary[y != c].sum(axis=0)).ravel() + self.alpha
            r = np.log((pos / pos.sum()) / (neg / neg.sum()))
            lr = LogisticRegression(C=self.C, class_weight=self.class_weight, max_iter=self.max_iter)
            lr.fit(X @ sp.diags(r), (y == c).astype(int), sample_weight=sample_weight)
            ratios.append(r)
            coefs.append(lr.coef_[0])
            intercepts.append(lr.intercept_[0])
        self.ratio_ = np.vstack(ratios)
        self.coef_ = np.vstack(coefs)
        self.intercept_ = np.asarray(intercepts)
        self.n_features_in_ = X.shape[1]
        return self

    def effective_coef(self) -> np.ndarray:
        """Per-class weights on the *unscaled* features (coef ∘ ratio)."""
        return self.coef_ * self.ratio_

    def decision_function(self, X: sp.spmatrix) -> np.ndarray:
        """Per-class binary logits."""
        return np.asarray(X @ self.effective_coef().T) + self.intercept_

    def predict_proba(self, X: sp.spmatrix) -> np.ndarray:
        """Renormalised one-vs-rest probabilities."""
        p = 1.0 / (1.0 + np.exp(-self.decision_function(X)))
        return p / p.sum(axis=1, keepdims=True)

    def predict(self, X: sp.spmatrix) -> np.ndarray:
        """Most probable class."""
        return self.classes_[self.decision_function(X).argmax(axis=1)]
