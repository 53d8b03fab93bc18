from collections import Counter

import pytest

from training import corpora
from training.corpora import DocExample


@pytest.mark.parametrize(("read", "minimum"), [(corpora.own_targets, 2500), (corpora.own_en_targets, 2500)])
def test_own_corpus_is_large_varied_and_consistent(read, minimum):
    rows = read("all")
    assert len(rows) >= minimum
    labels = Counter(r.label for r in rows)
    assert set(labels) == {"negative", "neutral", "positive"}
    assert min(labels.values()) / len(rows) > 0.15
    for r in rows:
        assert 0 <= r.start < r.end <= len(r.text)
    assert len({r.text for r in rows}) > len(rows) / 4  # several targets per sentence, no frame reused
    dev, train = read("dev"), read("train")
    assert len(dev) + len(train) == len(rows)
    assert 0.1 < len(dev) / len(rows) < 0.3
    assert not {r.text for r in dev} & {r.text for r in train}


def test_dedupe_catches_edited_copies():
    held = [DocExample("Restoran ini enak sekali, harga murah dan pelayanan ramah di Jakarta.", "positive", "x", "id")]
    rows = [
        DocExample("restoran ini enak sekali , harga murah dan pelayanan ramah di jakarta .", "positive", "x", "id"),
        DocExample("Restoran ini enak sekali, harga murah dan pelayanan ramah di Bandung.", "positive", "x", "id"),
        DocExample("Pelayanan lambat dan makanan dingin.", "negative", "x", "id"),
    ]
    kept, dropped = corpora.dedupe_against(rows, held)
    assert dropped == 2 and [r.label for r in kept] == ["negative"]


def test_find_occurrence():
    assert corpora._find("AS dan ASEAN serta AS", "AS", 3) == 19
    assert corpora._find("abc", "x", 1) == -1
