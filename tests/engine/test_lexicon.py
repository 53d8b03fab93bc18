"""The lexicons: Sikap's English news words only add to VADER, they never override it."""

import re

from service.engine.lexicon import EN_NEWS_LEXICON, lexicon


def _news_entries() -> dict[str, float]:
    rows = [line.split("\t") for line in EN_NEWS_LEXICON.read_text(encoding="utf-8").splitlines()]
    return {r[0]: float(r[1]) for r in rows if r[0] and not r[0].startswith("#")}


def test_news_lexicon_is_well_formed_lowercase_words_with_vader_scale_valences() -> None:
    news = _news_entries()
    assert len(news) > 300
    for word, valence in news.items():
        assert re.fullmatch(r"[a-z]+", word), word
        assert valence != 0 and -4 <= valence <= 4, (word, valence)


def test_news_lexicon_adds_words_vader_lacks_and_changes_no_existing_entry() -> None:
    with_news, without = lexicon(True), lexicon(False)
    news = _news_entries()
    assert not set(news) & set(without), "an entry shadows VADER or the Indonesian lexicon"
    assert {w: with_news[w] for w in without} == without
    assert set(with_news) - set(without) == set(news)
    assert with_news["indicted"] < 0 < with_news["lauded"]
