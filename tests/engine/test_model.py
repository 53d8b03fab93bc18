import numpy as np

from service.engine.features import document_features, mention_features


def _rows(texts):
    return [mention_features(t, 0, len(t), (0, 5)) for t in texts] + [document_features(t) for t in texts]


TEXTS = [
    "Rusia dikecam keras oleh Uni Eropa atas serangan itu.",
    "Rusia tidak gagal; perundingan disambut baik.",
    "Jepang berkunjung ke Jakarta dan bertemu presiden.",
    "Nothing in the vocabulary at all zzz",
    "",
]


def _check(head, rows):
    fast = head.predict_proba(rows)
    ref = head.pipeline.predict_proba(rows)
    np.testing.assert_allclose(fast, ref, rtol=1e-9, atol=1e-12)


def test_fast_scorer_equals_predict_proba_tiny(tiny_model):
    rows = _rows(TEXTS)
    _check(tiny_model.target, rows)
    _check(tiny_model.document, rows)


def test_fast_scorer_equals_predict_proba_shipped(shipped_model):
    rows = _rows(TEXTS)
    _check(shipped_model.target, rows)
    _check(shipped_model.document, rows)


def test_empty_batch(tiny_model):
    assert tiny_model.mention_proba([]).shape == (0, 3)
