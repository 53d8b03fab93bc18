"""Text handling that keeps character offsets: tokens, sentences, page chrome.

Evidence offsets must index into the caller's original ``text``, so nothing here
ever deletes or inserts characters.  Page chrome scraped along with an article
("ARTICLE AD BOX", "Baca juga: ...", "55 menit yang lalu") is *masked* instead:
its span is marked as non-content, and tokens inside it are skipped.  Mentions in
a "Baca juga" line belong to another article and must not count.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# A token is a run of letters/digits (any script); apostrophes and hyphens split
# tokens so that "Rusia-AS" and "Putin's" yield the alias tokens themselves.
TOKEN_RE = re.compile(r"[^\W_]+", re.UNICODE)

# Whole lines (or the rest of a line) that are page furniture, not journalism.
_CHROME_LINE = [
    r"article\s+ad\s+box",
    r"advertisement(?:\s+scroll\s+to\s+continue\s+with\s+content)?",
    r"scroll\s+to\s+continue\s+with\s+content",
    r"loading\.{0,3}",
    r"baca\s+(?:juga|selengkapnya|berita\s+lainnya)\b.*",
    r"(?:lihat|simak)\s+juga\b.*",
    r"follow\s+(?:wa|whatsapp)\s+channel\b.*",
    r"(?:ikuti|simak)\s+(?:berita|informasi|update)\b.*\b(?:google\s+news|whatsapp|channel)\b.*",
    r"(?:editor|penulis|reporter|pewarta|sumber|foto|copyright|hak\s+cipta)\s*[:©].*",
    r"\d{1,3}\s+(?:detik|menit|jam|hari|minggu|bulan)\s+(?:yang\s+)?lalu",
    r"dengarkan\s+(?:artikel|berita)\b.*",
    r"(?:share|bagikan|tweet|komentar|comments?)\s*:?",
    r"(?:related|read\s+more|read\s+also|also\s+read)\s*:.*",
    r"(?:skip\s+to\s+(?:main\s+)?content|sign\s+up\s+for\s+our\s+newsletter\b.*)",
]
# Phrases that can appear glued inside a line of real text.
_CHROME_INLINE = [
    r"ARTICLE\s+AD\s+BOX",
    r"ADVERTISEMENT",
    r"SCROLL\s+TO\s+CONTINUE\s+WITH\s+CONTENT",
    r"[Ll]oading\.\.\.",
    r"Baca\s+[Jj]uga\s*:[^\n]*?(?=(?:\s{2,}|\n|$))",
    r"Follow\s+(?:WA|WhatsApp)\s+Channel[^\n]*?(?=(?:\s{2,}|\n|$))",
    r"\b\d{1,3}\s+(?:detik|menit|jam|hari)\s+yang\s+lalu\b",
    # Media names in datelines ("Istanbul, CNN Indonesia --") are not about Indonesia.
    r"\b(?:CNN|CNBC|Media|Bisnis|Koran|Tribun)\s+Indonesia\b",
    r"\((?:ANTARA|Antara)(?:\s*News)?\)",
]
# Leading bullets/punctuation stay on their own line ([^\w\n], not \W): \W also
# matches newlines, which made every one of 200k blank lines scan to the end.
CHROME_LINE_RE = re.compile(
    r"^[^\w\n]*(?:" + "|".join(_CHROME_LINE) + r")[ \t]*$",
    re.IGNORECASE | re.MULTILINE,
)
CHROME_INLINE_RE = re.compile("|".join(_CHROME_INLINE))

# Sentence ends: . ! ? … (optionally followed by closing quotes/brackets), then
# whitespace; or one or more newlines.  Abbreviations are protected below.
# The lookbehind and possessive quantifiers keep a run of 200k dots linear
# (a match is only tried at the start of a run, and never backtracks).
_SENT_END_RE = re.compile(r"(?:(?<![.!?…])[.!?…]++[\"'”’)\]]*+(?=\s)|\n+)")
_ABBREV = frozenset(
    "a.s u.s u.k u.n dr mr mrs ms prof jr sr st no vs sen rep gen gov lt col capt "
    "jend brigjen mayjen letjen kol h hj ir drs dll dsb tsb yth sdr bpk p.m a.m "
    "jan feb mar apr jun jul aug sep sept oct nov dec inc corp ltd co".split()
)


@dataclass(frozen=True, slots=True)
class Sentence:
    """A sentence as a half-open character span of the original text."""

    start: int
    end: int


def chrome_spans(text: str) -> list[tuple[int, int]]:
    """Return sorted, non-overlapping spans of page chrome in ``text``."""
    spans = [m.span() for m in CHROME_LINE_RE.finditer(text)]
    spans += [m.span() for m in CHROME_INLINE_RE.finditer(text)]
    spans.sort()
    merged: list[tuple[int, int]] = []
    for s, e in spans:
        if e <= s:
            continue
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(e, merged[-1][1]))
        else:
            merged.append((s, e))
    return merged


def mask_chrome(text: str) -> str:
    """Return ``text`` with chrome replaced by spaces (same length, same offsets)."""
    spans = chrome_spans(text)
    if not spans:
        return text
    parts: list[str] = []
    pos = 0
    for s, e in spans:
        parts.append(text[pos:s])
        parts.append(" " * (e - s))
        pos = e
    parts.append(text[pos:])
    return "".join(parts)


def split_sentences(text: str) -> list[Sentence]:
    """Split ``text`` into sentences, trimmed of surrounding whitespace.

    Offsets refer to ``text``.  Sentences that are only whitespace (for example
    masked chrome) are dropped.
    """
    sentences: list[Sentence] = []
    start = 0
    for m in _SENT_END_RE.finditer(text):
        end = m.end()
        if m.group(0)[0] == ".":
            # "U.S. officials", "Dr. Subandrio": not a sentence end.
            word = text[max(start, m.start() - 4) : m.start()].split()
            last = word[-1].lower().lstrip("(\"'“") if word else ""
            if last in _ABBREV or (len(last) == 1 and last.isalpha()):
                continue
            nxt = text[end : end + 2].lstrip()
            if nxt[:1].islower() or nxt[:1].isdigit():
                continue
        _append_trimmed(text, start, end, sentences)
        start = end
    _append_trimmed(text, start, len(text), sentences)
    return sentences


def _append_trimmed(text: str, start: int, end: int, out: list[Sentence]) -> None:
    """Append ``text[start:end]`` without its surrounding whitespace, if any is left."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        out.append(Sentence(start, end))


def tokens(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Return token spans of ``text[start:end]`` (offsets into ``text``)."""
    return [m.span() for m in TOKEN_RE.finditer(text, start, len(text) if end is None else end)]
