"""Fixture articles (written for the project) through the API with the shipped model."""

import pytest

from service.engine.text import mask_chrome
from tests.conftest import ARTICLES, load_article

NAMES = sorted(p.name for p in ARTICLES.glob("*.json"))


@pytest.mark.parametrize("name", NAMES)
def test_fixture_article(shipped_client, registry, name):
    art = load_article(name)
    resp = shipped_client.post("/v1/analyze", json={"id": name, "title": art["title"], "text": art["text"]})
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["language"] == art["language"]
    names = [p["name"] for p in body["parties"]]
    assert set(art["expect_parties"]) <= set(names), names
    for p in body["parties"]:
        assert p["label"] in {"negative", "neutral", "positive"}
        assert -1 <= p["score"] <= 1 and 0 <= p["confidence"] <= 1
        assert p["mentions"] >= 1
        for ev in p["evidence"]:
            assert ev["text"] == art["text"][ev["start"] : ev["end"]]
    # Parties named only in page chrome ("Baca juga: ...") are not reported.
    masked = mask_chrome(art["title"] + "\n" + art["text"])
    from service.engine.text import tokens

    in_content = {m.party for m in registry.matcher.find(masked, tokens(masked))}
    assert set(names) <= in_content


def test_istanbul_article_rolls_people_into_parties(shipped_client):
    art = load_article("id_istanbul_talks.json")
    body = shipped_client.post("/v1/analyze", json={"text": art["text"]}).get_json()
    by_name = {p["name"]: p for p in body["parties"]}
    assert [p["name"] for p in body["parties"]][:3] == sorted(
        ["Russia", "United States", "Ukraine"], key=lambda n: -by_name[n]["salience"]
    )
    russia_members = {m["name"] for m in by_name["Russia"]["members"]}
    assert {"Vladimir Putin", "Kremlin"} <= russia_members
    us_members = {m["name"] for m in by_name["United States"]["members"]}
    assert "Donald Trump" in us_members or "White House" in us_members
