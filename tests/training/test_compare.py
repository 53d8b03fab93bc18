"""training.compare on tiny sets: two bundles' dev macro-F1 with a paired interval."""

import json

import pytest

from service.engine.parties import PartyRegistry
from tests.conftest import _tiny_examples
from training import compare
from training.compare import POOLED, DevSet
from training.evaluate import flask_poster


def _tiny_sets() -> dict[str, DevSet]:
    targets, docs = _tiny_examples()
    return {
        "id targets": DevSet("targets", targets[::2], "id"),
        "more targets": DevSet("targets", targets[1::2], "id"),
        "documents": DevSet("documents", docs),
        "held apart": DevSet("targets", targets[::6], "id", pooled=False),
    }


def _oracle(sets: dict[str, DevSet]):
    """A poster that answers every item with its gold label (a perfect model B)."""
    gold = {}
    for ds in sets.values():
        for e in ds.examples:
            gold[(e.text, (e.start, e.end)) if ds.kind == "targets" else (e.text, None)] = e.label

    def post(articles: list[dict]) -> list[dict]:
        out = []
        for a in articles:
            if a["parties"]:
                label = gold[(a["text"], tuple(a["parties"][0]["spans"][0]))]
                out.append({"parties": [{"name": "target", "label": label}]})
            else:
                out.append({"sentiment": {"label": gold[(a["text"], None)]}, "parties": []})
        return out

    return post


def test_same_model_on_both_sides_differs_by_nothing(tiny_model, registry: PartyRegistry):
    post = flask_poster(tiny_model, registry)
    res = compare.compare(post, post, _tiny_sets())
    assert set(res) == {"id targets", "more targets", "documents", "held apart", POOLED}
    assert res[POOLED]["n"] == res["id targets"]["n"] + res["more targets"]["n"]
    for r in res.values():
        assert r["a_macro_f1"] == r["b_macro_f1"]
        assert r["delta"] == r["lo"] == r["hi"] == 0.0


def _always_neutral(articles: list[dict]) -> list[dict]:
    return [
        {"parties": [{"name": "target", "label": "neutral"}]} if a["parties"] else {"sentiment": {"label": "neutral"}}
        for a in articles
    ]


def test_a_perfect_model_wins_every_resample_against_a_constant_one():
    sets = _tiny_sets()
    res = compare.compare(_always_neutral, _oracle(sets), sets)
    for r in res.values():
        assert r["b_macro_f1"] == 1.0
        assert r["a_macro_f1"] == pytest.approx(0.5 / 3, abs=1e-4)  # F1 1/2 on neutral, 0 elsewhere
        assert r["delta"] == pytest.approx(1.0 - r["a_macro_f1"], abs=1e-4)
        assert 0 < r["lo"] <= r["delta"] <= r["hi"]
        assert r["b_better_share"] == 1.0 and r["b_worse_share"] == 0.0


def test_cli_compares_two_bundles_and_writes_json(tiny_bundle_dir, monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(compare, "dev_sets", lambda data_dir: _tiny_sets())
    out = tmp_path / "cmp.json"
    argv = ["--baseline", "tiny-1", "--version", "tiny-1", "--models-dir", str(tiny_bundle_dir.parent)]
    assert compare.main([*argv, "--data-dir", str(tmp_path), "--json", str(out)]) == 0
    table = capsys.readouterr().out
    assert "A = `tiny-1`, B = `tiny-1`" in table
    assert f"| {POOLED} | " in table
    assert json.loads(out.read_text())["documents"]["delta"] == 0.0


def test_dev_sets_never_read_a_test_split(tmp_path, monkeypatch):
    """Every loader is asked for dev/valid data only."""
    asked = []
    monkeypatch.setattr(compare.corpora, "newsmtsc", lambda d, split: asked.append(split) or [])
    monkeypatch.setattr(compare.corpora, "nusax", lambda d, lang, split: asked.append(split) or [])
    monkeypatch.setattr(compare.corpora, "smsa", lambda d, split: asked.append(split) or [])
    monkeypatch.setattr(compare.corpora, "own_targets", lambda split: asked.append(split) or [])
    monkeypatch.setattr(compare.corpora, "id_news_available", lambda d: True)
    monkeypatch.setattr(compare.corpora, "id_news", lambda d: [])  # the project's labels, no split
    compare.dev_sets(tmp_path)
    assert asked and all(s in ("rw-dev", "mt-dev", "dev", "valid") for s in asked)


def test_dev_sets_leave_out_real_news_without_its_sentences(tmp_path, monkeypatch):
    for name in ("newsmtsc", "nusax", "smsa", "own_targets"):
        monkeypatch.setattr(compare.corpora, name, lambda *a: [])
    monkeypatch.setattr(compare.corpora, "id_news_available", lambda d: False)
    assert "sikap-id-news" not in compare.dev_sets(tmp_path)
