import json
import re
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


def _fake_nerp(data_dir, sentences):
    (data_dir / "indonlu-nerp").mkdir(parents=True)
    lines = []
    for tokens in sentences:
        lines += [f"{t}\tO" for t in tokens] + [""]
    (data_dir / "indonlu-nerp" / "valid_preprocess.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_id_news_rebuilds_text_and_spans_from_the_shared_data(tmp_path):
    sents = [["presiden", "joko", "widodo", "memuji", "jepang", "."], ["rusia", "dikecam", "."]]
    _fake_nerp(tmp_path / "data", sents)
    labels = tmp_path / "labels.jsonl"
    rows = [
        {"split": "valid", "sentence": 0, "start": 1, "end": 3, "label": "neutral"},
        {"split": "valid", "sentence": 0, "start": 4, "end": 5, "label": "positive"},
        {"split": "valid", "sentence": 1, "start": 0, "end": 1, "label": "negative"},
    ]
    for r in rows:
        r["sha1"] = corpora.sentence_digest(" ".join(sents[r["sentence"]]))
    labels.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    got = corpora.id_news(tmp_path / "data", labels)
    assert [(e.text[e.start : e.end], e.label) for e in got] == [
        ("joko widodo", "neutral"),
        ("jepang", "positive"),
        ("rusia", "negative"),
    ]
    assert got[0].text == "presiden joko widodo memuji jepang ."


def test_id_news_is_skipped_without_the_shared_sentences(tmp_path):
    """Every split the labels point into must be there; the shipped labels use valid and test."""
    labels = tmp_path / "labels.jsonl"
    labels.write_text(json.dumps({"split": "valid"}) + "\n" + json.dumps({"split": "test"}) + "\n")
    assert not corpora.id_news_available(tmp_path / "data", labels)
    _fake_nerp(tmp_path / "data", [["rusia", "."]])
    assert not corpora.id_news_available(tmp_path / "data", labels)  # valid only
    (tmp_path / "data" / "indonlu-nerp" / "test_preprocess.txt").write_text("rusia\tO\n")
    assert corpora.id_news_available(tmp_path / "data", labels)
    assert not corpora.id_news_available(tmp_path / "data", tmp_path / "missing.jsonl")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"sha1": "000000000000"}, "changed"),  # the shared sentence is not the one labelled
        ({"sentence": 5}, "changed"),  # past the end of the file
        ({"end": 4}, "bad token span"),
        ({"start": 2, "end": 1}, "bad token span"),
        ({"label": "unclear"}, "or label"),
    ],
)
def test_id_news_refuses_a_row_that_does_not_fit(tmp_path, change, message):
    _fake_nerp(tmp_path / "data", [["rusia", "dikecam", "."]])
    row = {"split": "valid", "sentence": 0, "start": 0, "end": 1, "label": "negative"}
    row["sha1"] = corpora.sentence_digest("rusia dikecam .")
    labels = tmp_path / "labels.jsonl"
    labels.write_text(json.dumps({**row, **change}) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        corpora.id_news(tmp_path / "data", labels)


def test_shipped_id_news_labels_hold_no_dataset_text():
    """Coordinates, label and digest only: the sentences stay in ../shared/data."""
    rows = [json.loads(line) for line in corpora.ID_NEWS_LABELS.read_text(encoding="utf-8").splitlines() if line]
    for r in rows:
        assert set(r) == {"split", "sentence", "start", "end", "label", "sha1"}
        assert all(type(r[k]) is int for k in ("sentence", "start", "end"))
        assert re.fullmatch(r"[0-9a-f]{12}", r["sha1"])
        assert r["label"] in ("negative", "neutral", "positive")
        assert r["split"] in ("valid", "test") and 0 <= r["start"] < r["end"]
    # the figures training/data/id_news/README.md and the main README give
    assert len(rows) == 569
    assert len({(r["split"], r["sentence"]) for r in rows}) == 259
    assert Counter(r["label"] for r in rows) == {"neutral": 448, "negative": 80, "positive": 41}
