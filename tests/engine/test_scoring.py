"""Aggregation rules, with a stub model so the numbers are exact."""

import numpy as np

from service.engine.features import FEATURE_FAMILIES
from service.engine.scoring import NEUTRAL_BAND, PartyRequest, analyze_article


class StubModel:
    """Returns fixed stance probabilities for every mention."""

    version = "stub"
    feature_families = FEATURE_FAMILIES

    def __init__(self, probs):
        self.probs = np.asarray(probs, dtype=float)

    def mention_proba(self, rows):
        return np.tile(self.probs, (len(rows), 1))

    def document_proba(self, rows, language):
        return np.tile([0.2, 0.6, 0.2], (len(rows), 1))


def _party(model, registry, text, **kw):
    (party,) = analyze_article(model, registry, text, parties=[PartyRequest("Russia", "Russia")], **kw)["parties"]
    return party


def test_single_unit_takes_the_most_probable_label(registry):
    p = _party(StubModel([0.4, 0.6, 0.0]), registry, "Rusia berkunjung kemarin.")
    assert p["label"] == "neutral" and p["score"] == -0.4


def test_several_units_follow_the_balance_of_evidence(registry):
    text = "Rusia berkunjung kemarin. Rusia bertemu menteri. Rusia pulang."
    p = _party(StubModel([0.4, 0.6, 0.0]), registry, text)
    assert p["score"] <= -NEUTRAL_BAND and p["label"] == "negative"
    weak = _party(StubModel([0.2, 0.7, 0.1]), registry, text)
    assert weak["label"] == "neutral"


def test_mentions_in_one_sentence_form_one_unit(registry):
    one = _party(StubModel([0.1, 0.8, 0.1]), registry, "Rusia, Kremlin dan Moskow diam.")
    assert one["mentions"] == 3 and len(one["evidence"]) == 1
    # one unit: confidence is at most half of max(P)
    assert one["confidence"] <= 0.5 * 0.8 + 1e-9


def test_title_unit_weighs_double(registry):
    p = _party(StubModel([0.0, 0.5, 0.5]), registry, "Rusia berkunjung.", title="Rusia dipuji")
    assert p["mentions_in_title"] == 1 and p["mentions"] == 2
    assert abs(p["confidence"] - 0.5 * (1 - 0.5**3)) < 1e-3
