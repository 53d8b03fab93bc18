import numpy as np

from service.engine.features import document_features, mention_features
from service.engine.model import EnsembleHead, LinearHead, calibrate


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
    """The fast scorer computes exactly the fitted scikit-learn pipelines' predict_proba."""
    if isinstance(head, LinearHead):
        ref = head.pipeline.predict_proba(rows)
    else:
        assert isinstance(head, EnsembleHead)
        mean = sum(m.pipeline.predict_proba(rows) for m in head.members) / len(head.members)
        ref = calibrate(mean, head.temperature)
    np.testing.assert_allclose(head.predict_proba(rows), ref, rtol=1e-9, atol=1e-12)


def test_fast_scorer_equals_predict_proba_tiny(tiny_model):
    rows = _rows(TEXTS)
    _check(tiny_model.target, rows)
    for head in tiny_model.documents.values():
        _check(head, rows)


def test_fast_scorer_equals_predict_proba_shipped(shipped_model):
    rows = _rows(TEXTS)
    _check(shipped_model.target, rows)
    assert set(shipped_model.documents) == {"id", "en"}
    for head in shipped_model.documents.values():
        _check(head, rows)


def test_nblr_member_matches_its_pipeline(tiny_bundle_dir, registry):
    from tests.conftest import _tiny_examples
    from training.train import make_nblr_pipeline, target_rows

    targets, _ = _tiny_examples()
    pipe = make_nblr_pipeline(1.0, min_df=1).fit(target_rows(registry, targets), [e.label for e in targets])
    head = LinearHead(pipe)
    rows = _rows(TEXTS)
    np.testing.assert_allclose(head.predict_proba(rows), pipe.predict_proba(rows), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(head.predict_proba(rows).sum(axis=1), 1.0)


def test_calibration_keeps_argmax_and_normalises():
    p = np.array([[0.2, 0.5, 0.3], [0.7, 0.1, 0.2]])
    q = calibrate(p, 2.0)
    np.testing.assert_allclose(q.sum(axis=1), 1.0)
    assert (q.argmax(axis=1) == p.argmax(axis=1)).all()
    assert q[0].max() < p[0].max()  # T > 1 softens


def test_empty_batch(tiny_model):
    assert tiny_model.mention_proba([]).shape == (0, 3)


def test_ensemble_members_fitted_on_same_rows_share_one_vocabulary(registry):
    from tests.conftest import _tiny_examples
    from training.train import document_rows, make_nblr_pipeline, make_pipeline, target_rows

    targets, docs = _tiny_examples()
    x, y = target_rows(registry, targets), [e.label for e in targets]
    same = EnsembleHead([make_pipeline(1.0, min_df=1).fit(x, y), make_nblr_pipeline(1.0, min_df=1).fit(x, y)], 1.3)
    assert same.shared_vocabulary
    assert same.members[1].vocabulary is same.members[0].vocabulary
    xd = document_rows(registry, docs)
    different = EnsembleHead([make_pipeline(1.0, min_df=1).fit(x, y), make_pipeline(1.0, min_df=1).fit(xd, y)])
    assert not different.shared_vocabulary
    rows = _rows(TEXTS)
    _check(same, rows)
    _check(different, rows)
