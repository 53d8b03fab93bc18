"""Sentiment lexicons used as features: word -> valence.

* English: VADER's ``vader_lexicon.txt`` (MIT licence), read as data from the
  vaderSentiment wheel — nothing is downloaded, and VADER's own scorer is not used.
  VADER was built on social media and lacks much of the vocabulary of political
  news ("indicted", "lambasted", "impeachment", "invaded", "lauded"), so
  ``data/lexicon_en.tsv``, written for Sikap, adds ~380 such words; VADER keeps
  its own entries.  Bundles trained before it existed are served without it
  (feature family ``lexicon-en``: see :mod:`service.engine.features`).
* Indonesian: ``data/lexicon_id.tsv``, written for Sikap in the register of news
  (politik, diplomasi, ekonomi, konflik, hukum), with affixed forms listed.

Both are loaded once per process; lookups are plain dict hits on lower-cased tokens.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path

ID_LEXICON = Path(__file__).parent / "data" / "lexicon_id.tsv"
EN_NEWS_LEXICON = Path(__file__).parent / "data" / "lexicon_en.tsv"


def _read_tsv(lines: list[str], out: dict[str, float]) -> None:
    for line in lines:
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.rstrip("\n").split("\t")
        if len(parts) < 2:
            continue
        try:
            value = float(parts[1])
        except ValueError:
            continue
        if value:
            out[parts[0].lower()] = value


@lru_cache(maxsize=2)
def lexicon(english_news: bool = True) -> dict[str, float]:
    """The merged lexicon (Indonesian entries win on a clash).

    ``english_news`` adds ``lexicon_en.tsv`` where VADER has no entry.
    """
    merged: dict[str, float] = {}
    vader = resources.files("vaderSentiment").joinpath("vader_lexicon.txt")
    _read_tsv(vader.read_text(encoding="utf-8").splitlines(), merged)
    if english_news:
        news: dict[str, float] = {}
        _read_tsv(EN_NEWS_LEXICON.read_text(encoding="utf-8").splitlines(), news)
        merged |= {w: v for w, v in news.items() if w not in merged}
    if ID_LEXICON.is_file():
        _read_tsv(ID_LEXICON.read_text(encoding="utf-8").splitlines(), merged)
    return merged


def polarity(token: str) -> float:
    """Valence of a lower-cased token, 0.0 when it is not in the lexicon."""
    return lexicon().get(token, 0.0)
