"""Property tests on the engine: any text, spans and aliases -> valid, bounded, deterministic output."""

from __future__ import annotations

import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service.engine.parties import custom_matcher
from service.engine.scoring import PartyRequest, analyze_article
from service.engine.text import chrome_spans, mask_chrome, split_sentences, tokens
from tests.reliability.tally import TALLY

PROPS = settings(max_examples=150, deadline=None, database=None, suppress_health_check=list(HealthCheck))
WORDS = ["Rusia", "AS", "Putin", "Kremlin", "Ukraina", "dikecam", "dipuji", "tidak", "Baca juga:", "ARTICLE AD BOX"]
PUNCT = [".", "!", "?", "…", "\n", " ", "-", '"', "'", "(", ")", ",", "\u00a0", "\x00", "\t", "\r"]
# Any Unicode except lone surrogates (the API rejects those before the engine).
ANY_CHAR = st.characters(exclude_categories=("Cs",))
TEXT = st.one_of(
    st.text(ANY_CHAR, min_size=1, max_size=400),
    st.lists(st.sampled_from(WORDS + PUNCT) | st.text(ANY_CHAR, max_size=6), min_size=1, max_size=120)
    .map("".join)
    .filter(bool),
)
ALIAS = st.one_of(
    st.sampled_from([*WORDS, ".*", "(a+)+$", "[", "\\", "C++", "a|b"]), st.text(ANY_CHAR, min_size=1, max_size=30)
)


@st.composite
def article(draw):
    text = draw(TEXT)
    title = draw(st.none() | TEXT)
    n = len(text)
    span = st.tuples(st.integers(0, n - 1), st.integers(1, n)).filter(lambda se: se[0] < se[1])
    parties = draw(
        st.none()
        | st.lists(
            st.builds(
                PartyRequest,
                name=st.text(ANY_CHAR, min_size=1, max_size=20),
                aliases=st.lists(ALIAS, max_size=5),
                spans=st.lists(span, max_size=10),
            ),
            max_size=4,
            unique_by=lambda p: p.name,
        )
        | st.lists(st.sampled_from(["Russia", "United States", "Ukraine"]), unique=True).map(
            lambda names: [PartyRequest(x, x) for x in names]
        )
    )
    language = draw(st.sampled_from([None, "id", "en"]))
    return text, title, language, parties


def check_result(result: dict, text: str, parties) -> None:
    sent = result["sentiment"]
    assert -1 <= sent["score"] <= 1
    assert all(0 <= p <= 1 for p in sent["probabilities"].values())
    assert result["language"] in ("id", "en") and 0 <= result["language_confidence"] <= 1
    if parties is not None:
        assert [p["name"] for p in result["parties"]] == [p.builtin or p.name for p in parties]
    for party in result["parties"]:
        assert -1 <= party["score"] <= 1
        assert 0 <= party["confidence"] <= 1
        assert party["mentions"] >= party["mentions_in_title"] >= 0
        for ev in party["evidence"]:
            assert 0 <= ev["start"] < ev["end"] <= len(text)
            assert ev["text"] == text[ev["start"] : ev["end"]]
            assert -1 <= ev["score"] <= 1
        for member in party["members"]:
            assert -1 <= member["score"] <= 1 and member["mentions"] >= 1


@pytest.mark.timeout(120, method="thread")
@PROPS
@given(case=article())
def test_analyze_article_any_input(tiny_model, registry, case):
    text, title, language, parties = case
    TALLY["engine property cases tried"] += 1
    first = analyze_article(tiny_model, registry, text, title, language, parties)
    check_result(first, text, parties)
    assert analyze_article(tiny_model, registry, text, title, language, parties) == first  # deterministic


@pytest.mark.timeout(60, method="thread")
@PROPS
@given(text=TEXT, name=st.text(ANY_CHAR, min_size=1, max_size=20), aliases=st.lists(ALIAS, max_size=8))
def test_custom_matcher_any_alias(text, name, aliases):
    TALLY["engine property cases tried"] += 1
    matcher = custom_matcher(name, aliases)
    spans = tokens(text)
    mentions = matcher.find(text, spans)
    assert mentions == matcher.find(text, spans)
    previous_end = 0
    for m in mentions:
        assert 0 <= m.start < m.end <= len(text)
        assert m.start >= previous_end  # left to right, no overlaps
        previous_end = m.end
        assert m.party == name


@pytest.mark.timeout(60, method="thread")
@PROPS
@given(text=TEXT)
def test_text_helpers_keep_offsets(text):
    TALLY["engine property cases tried"] += 1
    masked = mask_chrome(text)
    assert len(masked) == len(text)
    for s, e in chrome_spans(text):
        assert 0 <= s < e <= len(text)
    last = 0
    for sent in split_sentences(text):
        assert last <= sent.start < sent.end <= len(text)
        assert not text[sent.start].isspace() and not text[sent.end - 1].isspace()
        last = sent.end


N = 200_000
PATHOLOGICAL = {
    "blank lines": "Rusia" + "\n" * (N - 5),
    "dots": "." * N,
    "bangs": "!" * N,
    "ellipses": "…" * N,
    "dash lines": "-\n" * (N // 2),
    "space lines": " \n" * (N // 2),
    "dashes": "-" * N,
    "quotes after a dot": "." + '"' * (N - 1),
    "baca juga": "Baca juga: x " * (N // 13),
    "no spaces": "x" * N,
}


@pytest.mark.timeout(60, method="thread")
@pytest.mark.parametrize("name", PATHOLOGICAL)
def test_text_helpers_are_linear_on_pathological_text(name):
    """Regexes that backtracked quadratically (a 200k text took minutes) must stay linear."""
    text = PATHOLOGICAL[name]
    for fn in (chrome_spans, split_sentences, tokens):
        started = time.perf_counter()
        fn(text)
        assert time.perf_counter() - started < 1.0, fn.__name__
