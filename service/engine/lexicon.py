"""Sentiment lexicons used as features: word -> valence.

* English: VADER's ``vader_lexicon.txt`` (MIT licence), read as data from the
  vaderSentiment wheel — nothing is downloaded, and VADER's own scorer is not used.
* Indonesian: ``data/lexicon_id.tsv``, written for Sikap in the register of news
  (politik, diplomasi, ekonomi, konflik, hukum), with affixed forms listed.

Both are loaded once per process; lookups are plain dict hits on lower-cased tokens.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path

ID_LEXICON = Path(__file__).parent / "data" / "lexicon_id.tsv"


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


@lru_cache(maxsize=1)
def lexicon() -> dict[str, float]:
    """The merged lexicon (Indonesian entries win on a clash)."""
    merged: dict[str, float] = {}
    vader = resources.files("vaderSentiment").joinpath("vader_lexicon.txt")
    _read_tsv(vader.read_text(encoding="utf-8").splitlines(), merged)
    if ID_LEXICON.is_file():
        _read_tsv(ID_LEXICON.read_text(encoding="utf-8").splitlines(), merged)
    return merged


def polarity(token: str) -> float:
    """Valence of a lower-cased token, 0.0 when it is not in the lexicon."""
    return lexicon().get(token, 0.0)
