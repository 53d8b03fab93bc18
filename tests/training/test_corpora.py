import json
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


def test_id_news_refuses_a_changed_sentence(tmp_path):
    _fake_nerp(tmp_path / "data", [["rusia", "dikecam", "."]])
    labels = tmp_path / "labels.jsonl"
    row = {"split": "valid", "sentence": 0, "start": 0, "end": 1, "label": "negative", "sha1": "000000000000"}
    labels.write_text(json.dumps(row) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match="changed"):
        corpora.id_news(tmp_path / "data", labels)


def test_id_news_is_skipped_without_the_shared_sentences(tmp_path):
    assert not corpora.id_news_available(tmp_path)
    _fake_nerp(tmp_path, [["rusia", "."]])
    assert corpora.id_news_available(tmp_path)


def test_id_news_refuses_a_sentence_index_past_the_file(tmp_path):
    _fake_nerp(tmp_path / "data", [["rusia", "dikecam", "."]])
    labels = tmp_path / "labels.jsonl"
    row = {"split": "valid", "sentence": 5, "start": 0, "end": 1, "label": "negative", "sha1": "000000000000"}
    labels.write_text(json.dumps(row) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match="changed"):
        corpora.id_news(tmp_path / "data", labels)


def test_shipped_id_news_labels_hold_no_dataset_text():
    """Coordinates, label and digest only: the sentences stay in ../shared/data."""
    rows = [json.loads(line) for line in corpora.ID_NEWS_LABELS.read_text(encoding="utf-8").splitlines() if line]
    assert len(rows) >= 300
    for r in rows:
        assert set(r) == {"split", "sentence", "start", "end", "label", "sha1"}
        assert r["label"] in ("negative", "neutral", "positive")
        assert r["split"] in ("train", "valid", "test") and 0 <= r["start"] < r["end"]
